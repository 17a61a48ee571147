#!/usr/bin/env python3
"""Convert official PFGM++ / EDM and original PFGM checkpoints into pfgm model files (safetensors).

pfgm never unpickles anything, so official checkpoints have to pass through this script once.
It needs only PyTorch (>= 1.13) and, for unpickling PFGM++/EDM checkpoints, the official repository
on PYTHONPATH: Newbeeer/pfgmpp or NVlabs/edm (their `torch_utils` and `dnnlib` packages; the network
code itself travels inside the checkpoint). Original PFGM checkpoints hold plain tensors and need
no official code.

Accepted inputs (detected from the file's contents, whatever its extension):
  network-snapshot-*.pkl   EDM snapshot: a pickled dict whose 'ema' entry is the EDMPrecond module.
  training-state-*.pt      PFGM++ training state (torch.save): a dict with 'net', 'ema',
                           'optimizer_state' and 'step'. EDM's training states hold only 'net'.
  training-state-*.pkl     the same dict written with pickle (pfgmpp generate.py --use_pickle=1).
  checkpoint_<n>.pth       original PFGM (Newbeeer/Poisson_flow, score_sde_pytorch): checkpoints/
  checkpoint.pth           checkpoint_<n>.pth or checkpoints-meta/checkpoint.pth, torch.save of a dict
                           with 'model' (state_dict, keys prefixed 'module.'), 'ema' ({'decay',
                           'num_updates', 'shadow_params'}), 'optimizer' and 'step'. The configuration
                           is not stored: name pfgm's preset with --preset (or give --config FILE.json).

Usage:
  PYTHONPATH=/path/to/pfgmpp python tools/convert_official.py training-state-200000.pt
  PYTHONPATH=/path/to/edm python tools/convert_official.py network-snapshot-200000.pkl --out edm.safetensors
  ... --which net          convert the raw network instead of its EMA
  ... --aug_dim 2048       set D where the checkpoint does not record it (EDM checkpoints are D = inf)
  python tools/convert_official.py checkpoints/checkpoint_26.pth --preset cifar10-pfgm-ddpmpp

Output: a safetensors file holding every parameter and buffer of the module's state_dict under the
official names (`model.enc.32x32_conv.weight`, `model.map_noise.freqs`, ...) as float32, in
state_dict order, with metadata "config" (pfgm's model configuration, JSON), "source" (the input
file name), "which", "class" and, for training states, "step". The file is written to a temporary
name next to the output and renamed at the end, so a failed run leaves no partial output.

For original PFGM checkpoints, --which ema (the default) writes the EMA's shadow parameters in
place of the trainable parameters (every state_dict tensor except the `module.sigmas` buffer and
the Fourier embedding's fixed `module.all_modules.0.W`, in order; count and shapes are checked);
--which net keeps the raw weights. Keys keep the official names; metadata "config" is the preset's
config and "class" is "NCSNpp". A preset that does not fit the checkpoint (embedding, width,
output channels, number of modules) is refused.

Only the EDM preconditioner (EDMPrecond, which PFGM++ also uses) is supported; checkpoints of
VPPrecond, VEPrecond or iDDPMPrecond are refused.

Unpickling runs code from the checkpoint (the official format stores the network's source code):
convert only files you trust. torch.save files are first loaded with weights_only=True (no code
runs; enough for original PFGM checkpoints) and unpickled in full only where that is refused.
"""

import argparse
import collections
import copy
import ctypes
import inspect
import io
import json
import math
import os
import pickle
import re
import struct
import sys
import tempfile
import warnings
import zipfile

PROG = "convert_official"
SUPPORTED_PRECOND = "EDMPrecond"
REFUSED_PRECOND = ("VPPrecond", "VEPrecond", "iDDPMPrecond")
SUPPORTED_MODELS = ("SongUNet", "DhariwalUNet")
LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C  # first object of a pre-1.6 torch.save file
OFFICIAL_PACKAGES = ("torch_utils", "dnnlib", "training")

# Constructor arguments that are not written to the config: the preconditioner's sigma_min/sigma_max
# (0 and inf, not sampling ranges), the pfgmpp/D pair (written separately) and what the
# preconditioner derives for the inner network.
NOT_IN_CONFIG = ("sigma_min", "sigma_max", "pfgmpp", "D", "N", "class_name", "in_channels", "out_channels",
                 "pfgm", "small")


class ConvertError(Exception):
    """A problem worth one line to the user."""


def one_line(text):
    return " ".join(str(text).split())


# ------------------------------------------------------------------------------------------------
# Loading


def _torch():
    try:
        with warnings.catch_warnings():  # e.g. "Failed to initialize NumPy" when NumPy is absent (not needed)
            warnings.simplefilter("ignore")
            import torch  # noqa: F401 (imported lazily so that --help works anywhere)
    except ImportError:
        raise ConvertError("PyTorch is not installed in this Python (%s); install torch >= 1.13" % sys.executable)
    return torch


def _has_weights_only():
    torch = _torch()
    try:
        return "weights_only" in inspect.signature(torch.load).parameters
    except (TypeError, ValueError):
        return False


def _torch_load(source, weights_only=False):
    """torch.load onto the CPU. weights_only=False allows arbitrary pickled objects (the official
    modules); weights_only=True (where this torch has it) allows only tensors and plain containers."""
    torch = _torch()
    kwargs = {"map_location": "cpu"}
    if _has_weights_only():
        kwargs["weights_only"] = weights_only  # torch >= 2.6 defaults to True, which refuses modules
    elif weights_only:
        raise ConvertError("this torch has no weights_only loading")
    with warnings.catch_warnings():  # deprecation notes about the storage format are not the user's concern
        warnings.simplefilter("ignore")
        return torch.load(source, **kwargs)


def _torch_load_file(path):
    """A torch.save file: first as plain tensors and containers (weights_only=True, which runs no
    code; enough for original PFGM checkpoints), then, where that is refused (PFGM++/EDM states hold
    modules) or unavailable, in full."""
    if _has_weights_only():
        try:
            return _torch_load(path, weights_only=True)
        except Exception:  # noqa: BLE001 (refused globals, or a bad file that the full load reports)
            pass
    return _torch_load(path)


class _CpuUnpickler(pickle.Unpickler):
    """pickle.Unpickler whose tensors land on the CPU even when they were pickled from a GPU."""

    def find_class(self, module, name):
        if name == "_load_from_bytes" and module in ("torch.storage", "torch"):
            return lambda data: _torch_load(io.BytesIO(data))
        return super().find_class(module, name)


def load_checkpoint(path):
    """Returns the unpickled top-level object of a .pkl / .pt file."""
    _torch()
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as e:
        raise ConvertError("cannot open %s: %s" % (path, e.strerror or e))
    if not head:
        raise ConvertError("cannot read %s: the file is empty" % path)
    try:
        if head == b"PK\x03\x04" and zipfile.is_zipfile(path):  # torch.save (zip format, torch >= 1.6)
            return _torch_load_file(path)
        with open(path, "rb") as f, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = _CpuUnpickler(f).load()
        if isinstance(obj, int) and obj == LEGACY_TORCH_MAGIC:  # torch.save (legacy format)
            return _torch_load_file(path)
        return obj
    except ImportError as e:
        name = getattr(e, "name", None) or ""
        if name.split(".")[0] in OFFICIAL_PACKAGES:
            raise ConvertError(
                "cannot unpickle %s: module '%s' not found; put the official repository (Newbeeer/pfgmpp or "
                "NVlabs/edm) on PYTHONPATH, e.g. PYTHONPATH=/path/to/pfgmpp python %s ..."
                % (path, name, "tools/convert_official.py"))
        raise ConvertError("cannot unpickle %s: %s (the official code needs it; install it in this Python)"
                           % (path, one_line(e)))
    except ConvertError:
        raise
    except Exception as e:  # noqa: BLE001 (pickle and torch.load raise many types on bad input)
        raise ConvertError("cannot read %s: %s: %s (not an official .pkl/.pt checkpoint, or truncated?)"
                           % (path, type(e).__name__, one_line(e)[:300]))


def select_module(obj, which, path):
    torch = _torch()
    if isinstance(obj, torch.nn.Module):
        return obj
    if not isinstance(obj, dict):
        raise ConvertError("%s holds a %s, expected a dict with an '%s' module" % (path, type(obj).__name__, which))
    if which not in obj:
        keys = ", ".join(sorted(str(k) for k in obj))
        hint = ""
        if which == "ema" and "net" in obj:
            hint = " (EDM training states hold only 'net': use --which net, or convert the network-snapshot pkl)"
        elif which == "net" and "ema" in obj:
            hint = " (network snapshots hold only 'ema': drop --which net)"
        raise ConvertError("%s has no '%s' entry; it has: %s%s" % (path, which, keys, hint))
    module = obj[which]
    if not isinstance(module, torch.nn.Module):
        raise ConvertError("%s['%s'] is a %s, expected a torch.nn.Module" % (path, which, type(module).__name__))
    return module


# ------------------------------------------------------------------------------------------------
# Configuration


def _constructor_signature(obj):
    """The named parameters of the class's own __init__, looking through the persistence wrapper
    (whose __init__ takes only *args, **kwargs). Returns an ordered list of inspect.Parameter."""
    torch = _torch()
    for cls in type(obj).__mro__:
        if cls is torch.nn.Module or cls is object:
            break
        init = vars(cls).get("__init__")
        if init is None:
            continue
        try:
            params = list(inspect.signature(init).parameters.values())[1:]  # drop self
        except (TypeError, ValueError):
            continue
        named = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if named:
            return named
    return []


def _defaults(obj):
    return dict((p.name, p.default) for p in _constructor_signature(obj) if p.default is not p.empty)


def _recorded_kwargs(obj):
    """The constructor arguments recorded by torch_utils.persistence (`_init_args`, `_init_kwargs`),
    positional ones mapped to their names; None when nothing was recorded."""
    kwargs = getattr(obj, "_init_kwargs", None)
    args = getattr(obj, "_init_args", None)
    if kwargs is None and not args:
        return None
    out = {}
    if args:
        names = [p.name for p in _constructor_signature(obj) if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(args) > len(names):
            raise ConvertError("%s was built with %d positional arguments; cannot name them" % (type(obj).__name__, len(args)))
        out.update(zip(names, args))
    out.update(dict(kwargs or {}))
    return out


def _jsonable(value, key):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else ("inf" if value > 0 else "-inf" if value < 0 else "nan")
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, key) for v in value]
    if isinstance(value, dict):
        return dict((str(k), _jsonable(v, key)) for k, v in value.items())
    try:  # NumPy / torch scalars
        item = value.item()
        if isinstance(item, (bool, int, float)):
            return _jsonable(item, key)
    except Exception:  # noqa: BLE001
        pass
    raise ConvertError("config value of '%s' has type %s, which has no JSON form" % (key, type(value).__name__))


def _format_D(D):
    return int(D) if float(D).is_integer() else float(D)


def build_config(net, aug_dim=None):
    """pfgm's model configuration for an official EDMPrecond module (see tools/README.md)."""
    cls = type(net).__name__
    if cls in REFUSED_PRECOND:
        raise ConvertError("the checkpoint holds a %s; only %s (EDM / PFGM++ preconditioning) is supported"
                           % (cls, SUPPORTED_PRECOND))
    if cls != SUPPORTED_PRECOND:
        raise ConvertError("the checkpoint holds a %s, expected an %s module" % (cls, SUPPORTED_PRECOND))
    for flag in ("pfgm", "small"):  # arguments of an early pfgmpp EDMPrecond with another network output
        if getattr(net, flag, False):
            raise ConvertError("EDMPrecond has %s = True (an early pfgmpp variant); not supported" % flag)
    inner = getattr(net, "model", None)
    if inner is None:
        raise ConvertError("EDMPrecond has no 'model' submodule")

    outer_kwargs = _recorded_kwargs(net)
    inner_kwargs = _recorded_kwargs(inner)
    if outer_kwargs is None and inner_kwargs is None:
        raise ConvertError("the checkpoint records no constructor arguments (no init_kwargs on EDMPrecond or "
                           "its model); cannot recover the network configuration")

    # Lowest to highest precedence: constructor defaults, the inner network's recorded arguments,
    # the preconditioner's recorded arguments (what train.py passed), then its attributes where the
    # recorded arguments lack them.
    merged = {}
    merged.update(_defaults(inner))
    merged.update(_defaults(net))
    merged.update(inner_kwargs or {})
    merged.update(outer_kwargs or {})
    for attr in ("img_resolution", "img_channels", "label_dim", "use_fp16", "sigma_data"):
        if (outer_kwargs is None or attr not in outer_kwargs) and hasattr(net, attr):
            merged[attr] = getattr(net, attr)
    if outer_kwargs is None or "model_type" not in outer_kwargs:
        merged["model_type"] = type(inner).__name__
    if "img_channels" not in merged and "in_channels" in merged:
        merged["img_channels"] = merged["in_channels"]

    model_type = merged.get("model_type")
    if model_type not in SUPPORTED_MODELS:
        raise ConvertError("model_type %r is not supported; expected one of %s" % (model_type, ", ".join(SUPPORTED_MODELS)))
    if type(inner).__name__ != model_type:
        raise ConvertError("model_type says %s but the network is a %s" % (model_type, type(inner).__name__))
    for key in ("img_resolution", "img_channels"):
        value = merged.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConvertError("%s is %r, expected a positive integer" % (key, value))

    # D / pfgmpp: the object's own attributes win over the recorded arguments.
    pfgmpp = bool(getattr(net, "pfgmpp", (outer_kwargs or {}).get("pfgmpp", False)))
    D = "inf"
    if pfgmpp:
        D = getattr(net, "D", (outer_kwargs or {}).get("D"))
        if aug_dim is None and not isinstance(D, (int, float)):
            raise ConvertError("the checkpoint has pfgmpp = True but records no D; pass --aug_dim")
    if aug_dim is not None:
        if pfgmpp and isinstance(D, (int, float)) and float(D) != aug_dim:
            shown = _format_D(aug_dim) if math.isfinite(aug_dim) else "inf"
            sys.stderr.write("%s: note: --aug_dim %s replaces the recorded D = %s\n" % (PROG, shown, D))
        pfgmpp = math.isfinite(aug_dim)
        D = aug_dim
    if pfgmpp:
        if not (isinstance(D, (int, float)) and not isinstance(D, bool) and math.isfinite(D) and D > 0):
            raise ConvertError("D is %r, expected a number > 0" % (D,))
        D = _format_D(D)
    else:
        D = "inf"

    config = {
        "model_type": model_type,
        "precond": "edm",
        "img_resolution": merged["img_resolution"],
        "img_channels": merged["img_channels"],
        "label_dim": merged.get("label_dim", 0),
        "use_fp16": bool(merged.get("use_fp16", False)),
        "sigma_data": merged.get("sigma_data", 0.5),
        "N": merged["img_channels"] * merged["img_resolution"] ** 2,
        "D": D,
        "pfgmpp": pfgmpp,
    }
    for key, value in merged.items():
        if key not in config and key not in NOT_IN_CONFIG:
            config[key] = value
    return dict((k, _jsonable(v, k)) for k, v in config.items())


# ------------------------------------------------------------------------------------------------
# Original PFGM (Newbeeer/Poisson_flow, on score_sde_pytorch): checkpoints/checkpoint_<n>.pth and
# checkpoints-meta/checkpoint.pth, torch.save of {'optimizer', 'model' (a DataParallel state_dict,
# keys prefixed 'module.'), 'ema' {'decay', 'num_updates', 'shadow_params'}, 'step'}. Plain tensors:
# no official code is needed to load them. The network configuration is not stored, so the user
# names one of pfgm's presets (or gives a config file).

PFGM_PREFIX = "module."
PFGM_BUFFERS = ("module.sigmas",)         # registered buffers: not in the EMA
PFGM_FOURIER_W = "module.all_modules.0.W"  # GaussianFourierProjection.W: a parameter without grad, not in the EMA
PFGM_CLASS = "NCSNpp"
_PFGM_MODULE_INDEX = re.compile(r"^module\.all_modules\.(\d+)\.")


def _pfgm_preset(resolution, z_max, upper_norm, z_exp, **network):
    """Keep in sync with pfgm_model() and make_presets() in src/networks/presets.cpp."""
    config = {"model_type": "NCSNpp", "precond": "pfgm", "img_resolution": resolution, "img_channels": 3, "D": 1,
              "z_max": z_max, "z_min": 0.001, "gamma": 5, "upper_norm": upper_norm, "z_exp": z_exp,
              "nf": 128, "ch_mult": [1, 2, 2, 2], "num_res_blocks": 4, "attn_resolutions": [16], "dropout": 0.1,
              "embedding_type": "positional", "fir": False, "progressive_input": "none"}
    config.update(network)
    config["N"] = config["img_channels"] * resolution * resolution
    return config


PFGM_PRESETS = {
    "cifar10-pfgm-ddpmpp": _pfgm_preset(32, 40, 3000, 5),
    "cifar10-pfgm-ddpmpp-deep": _pfgm_preset(32, 40, 3000, 5, num_res_blocks=8),
    "cifar10-pfgm-ncsnpp": _pfgm_preset(32, 40, 3000, 5, embedding_type="fourier", fir=True, progressive_input="residual"),
    "celeba64-pfgm-ddpmpp": _pfgm_preset(64, 60, 6000, 1),
    "bedroom256-pfgm-ddpmpp": _pfgm_preset(256, 100, 30000, 0.1, ch_mult=[1, 1, 2, 2, 4, 4], num_res_blocks=2, dropout=0.0),
}


def is_pfgm_checkpoint(obj):
    return (isinstance(obj, dict) and "model" in obj and isinstance(obj.get("ema"), dict)
            and "shadow_params" in obj["ema"])


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def load_pfgm_config(path):
    """A --config file for an original PFGM checkpoint: a JSON object in the form of the presets;
    model_type, precond, D and N are filled in where absent."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except OSError as e:
        raise ConvertError("cannot open --config %s: %s" % (path, e.strerror or e))
    except UnicodeDecodeError:
        raise ConvertError("--config %s is not UTF-8 text" % path)
    try:
        config = json.loads(text)
    except ValueError as e:
        raise ConvertError("--config %s is not valid JSON: %s" % (path, one_line(e)))
    if not isinstance(config, dict):
        raise ConvertError("--config %s holds a JSON %s, expected an object" % (path, type(config).__name__))
    for key, expected in (("model_type", PFGM_CLASS), ("precond", "pfgm")):
        value = config.setdefault(key, expected)
        if value != expected:
            raise ConvertError("--config %s: %s is %r; original PFGM checkpoints need %r"
                               % (path, key, value, expected))
    if not _positive_int(config.get("img_resolution")):
        raise ConvertError("--config %s: img_resolution is %r, expected a positive integer"
                           % (path, config.get("img_resolution")))
    if not _positive_int(config.setdefault("img_channels", 3)):
        raise ConvertError("--config %s: img_channels is %r, expected a positive integer"
                           % (path, config["img_channels"]))
    config.setdefault("D", 1)
    config.setdefault("N", config["img_channels"] * config["img_resolution"] ** 2)
    return config


def _shape(t):
    return "[%s]" % ", ".join(str(int(s)) for s in t.shape)


def pfgm_module_count(config):
    """len(all_modules) of score_sde's NCSN++ as pfgm builds it (biggan res blocks, progressive
    'none', progressive_input 'none' or 'residual'); None for configurations outside that."""
    res = config.get("img_resolution", 32)
    ch_mult = config.get("ch_mult", [1, 2, 2, 2])
    blocks = config.get("num_res_blocks", 4)
    attn = config.get("attn_resolutions", [16])
    progressive_input = config.get("progressive_input", "none")
    if (not _positive_int(res) or not _positive_int(blocks) or not isinstance(ch_mult, list) or not ch_mult
            or not isinstance(attn, list) or progressive_input not in ("none", "residual")
            or config.get("resblock_type", "biggan") != "biggan" or config.get("progressive", "none") != "none"):
        return None
    levels = len(ch_mult)
    n = (1 if config.get("embedding_type", "positional") == "fourier" else 0) + 2 + 1  # [W], 2 Dense, conv
    for level in range(levels):  # down: res blocks (+ attention each), then a down block (+ pyramid)
        n += blocks * (2 if res >> level in attn else 1)
        if level != levels - 1:
            n += 1 + (progressive_input == "residual")
    n += 3  # middle: res block, attention, res block
    for level in reversed(range(levels)):  # up: res blocks, one attention, then an up block
        n += blocks + 1 + (res >> level in attn) + (level != 0)
    return n + 2  # GroupNorm, output conv


def check_pfgm_state(state, config, what):
    """The checks that catch a preset that does not match the checkpoint; `what` names the preset."""
    fourier = config.get("embedding_type", "positional") == "fourier"  # pfgm's default is positional
    has_w = PFGM_FOURIER_W in state
    if fourier and not has_w:
        raise ConvertError("%s says embedding_type fourier, but the checkpoint has no %s (it was trained with the "
                           "positional embedding: a DDPM++ configuration)" % (what, PFGM_FOURIER_W))
    if has_w and not fourier:
        raise ConvertError("the checkpoint has %s (the Fourier embedding of an NCSN++ configuration), but %s says "
                           "embedding_type %s" % (PFGM_FOURIER_W, what, config.get("embedding_type", "positional")))
    for name in PFGM_BUFFERS:
        if name not in state:
            raise ConvertError("the checkpoint's model has no %s; not a score_sde NCSN++ state_dict" % name)
    indices = [int(m.group(1)) for m in (_PFGM_MODULE_INDEX.match(k) for k in state) if m]
    if not indices:
        raise ConvertError("the checkpoint's model has no module.all_modules.* tensors; "
                           "not a score_sde NCSN++ state_dict")

    # The first Dense layer of the z embedding: [4·nf, nf] (positional) or [4·nf, 2·nf] (Fourier).
    nf = config.get("nf", 128)
    dense = "module.all_modules.%d.weight" % (1 if fourier else 0)
    expected = (4 * nf, (2 if fourier else 1) * nf)
    t = state.get(dense)
    if t is None or tuple(t.shape) != expected:
        raise ConvertError("%s has shape %s, but %s (nf = %s, embedding_type %s) needs [%d, %d]"
                           % (dense, "none (absent)" if t is None else _shape(t), what, nf,
                              "fourier" if fourier else "positional", expected[0], expected[1]))

    # The output conv3x3 gives img_channels field components and the z component.
    channels = config.get("img_channels", 3)
    last = "module.all_modules.%d.weight" % max(indices)
    t = state.get(last)
    if t is None or t.dim() != 4 or t.shape[0] != channels + 1:
        raise ConvertError("the output conv %s has shape %s, expected %d rows (img_channels + 1 = %d + 1 for %s)"
                           % (last, "none (absent)" if t is None else _shape(t), channels + 1, channels, what))

    # The number of modules tells apart configurations that agree on the above (e.g. DDPM++ and
    # DDPM++ deep); the shapes of the rest are checked when pfgm loads the file.
    count = pfgm_module_count(config)
    if count is not None and count != max(indices) + 1:
        raise ConvertError("the checkpoint's network has %d modules (module.all_modules.0 to %d), but %s builds %d: "
                           "its num_res_blocks, ch_mult, attn_resolutions or progressive_input differ"
                           % (max(indices) + 1, max(indices), what, count))


def pfgm_tensors(obj, config, which, what):
    """[(name, tensor)] in state_dict order, with the EMA's shadow parameters in place of the
    trainable parameters when which == 'ema'."""
    torch = _torch()
    state = obj["model"]
    if not isinstance(state, dict):
        raise ConvertError("the checkpoint's 'model' is a %s, expected a state_dict" % type(state).__name__)
    bad = [str(k) for k, v in state.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise ConvertError("the checkpoint's 'model' entry %s is not a named tensor" % bad[0])
    if not state:
        raise ConvertError("the checkpoint's 'model' state_dict is empty")
    prefixed = [k.startswith(PFGM_PREFIX) for k in state]
    if not all(prefixed):
        if any(prefixed):
            raise ConvertError("the checkpoint's model mixes keys with and without the '%s' prefix (e.g. %s)"
                               % (PFGM_PREFIX, next(k for k in state if not k.startswith(PFGM_PREFIX))))
        sys.stderr.write("%s: note: the model's keys lack the DataParallel prefix '%s'; it is added\n"
                         % (PROG, PFGM_PREFIX))
        state = collections.OrderedDict((PFGM_PREFIX + k, v) for k, v in state.items())
    check_pfgm_state(state, config, what)

    tensors = list(state.items())
    if which == "net":
        return tensors
    shadow = obj["ema"]["shadow_params"]
    if not isinstance(shadow, (list, tuple)) or not all(isinstance(t, torch.Tensor) for t in shadow):
        raise ConvertError("the checkpoint's ema['shadow_params'] is not a list of tensors")
    trainable = [i for i, (k, _) in enumerate(tensors) if k not in PFGM_BUFFERS and k != PFGM_FOURIER_W]
    if len(shadow) != len(trainable):
        raise ConvertError("the EMA holds %d shadow parameters, but the model has %d trainable parameters (every "
                           "tensor except %s); use --which net to convert the raw weights"
                           % (len(shadow), len(trainable), ", ".join(PFGM_BUFFERS + (PFGM_FOURIER_W,))))
    for i, (index, value) in enumerate(zip(trainable, shadow)):
        name, raw = tensors[index]
        if tuple(value.shape) != tuple(raw.shape):
            raise ConvertError("EMA shadow parameter #%d has shape %s, but %s has shape %s"
                               % (i, _shape(value), name, _shape(raw)))
        if not value.is_floating_point():
            raise ConvertError("EMA shadow parameter #%d (%s) has dtype %s" % (i, name, value.dtype))
        tensors[index] = (name, value)
    return tensors


def convert_pfgm(obj, args, path, out):
    if args.preset is None and args.config is None:
        raise ConvertError("%s is an original PFGM (Poisson_flow) checkpoint, which does not record its network "
                           "configuration: pass --preset NAME (one of %s) or --config FILE.json"
                           % (path, ", ".join(PFGM_PRESETS)))
    if args.aug_dim is not None:
        raise ConvertError("--aug_dim does not apply to original PFGM checkpoints (D = 1)")
    if args.preset is not None:
        config = copy.deepcopy(PFGM_PRESETS[args.preset])
        what = "preset %s" % args.preset
    else:
        config = load_pfgm_config(args.config)
        what = "--config %s" % os.path.basename(args.config)
    tensors = pfgm_tensors(obj, config, args.which, what)

    metadata = {
        "config": json.dumps(config, separators=(",", ":")),
        "source": os.path.basename(path),
        "which": args.which,
        "class": PFGM_CLASS,
    }
    step = obj.get("step")
    if hasattr(step, "item") and getattr(step, "numel", lambda: 0)() == 1:
        step = step.item()
    if isinstance(step, int) and not isinstance(step, bool):
        metadata["step"] = str(step)
    size = write_safetensors(out, tensors, metadata)

    n_params = sum(t.numel() for k, t in tensors if k not in PFGM_BUFFERS)
    print("%s: wrote %s (%s of original PFGM %s, %s, %d tensors, %s parameters, %.1f MB) config=%s"
          % (PROG, out, args.which, PFGM_CLASS, what, len(tensors), format(n_params, ","), size / 1e6,
             metadata["config"]))


# ------------------------------------------------------------------------------------------------
# safetensors writer


def _dtype_name(t):
    torch = _torch()
    if t.dtype == torch.float64:
        return "F64"  # score_sde's `sigmas` buffer: float64 in the official model, and so in pfgm's
    if t.is_floating_point():
        return "F32"  # fp16 / bf16 weights are written as float32, the dtype pfgm loads
    if t.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        return "I64"
    raise ConvertError("tensor dtype %s is not supported" % t.dtype)


def _as_written(t):
    torch = _torch()
    dtype = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}[_dtype_name(t)]
    return t.detach().to(device="cpu", dtype=dtype).contiguous()


def write_safetensors(path, tensors, metadata):
    """Writes [(name, tensor)] and a {str: str} metadata dict to `path` atomically."""
    if sys.byteorder != "little":
        raise ConvertError("this writer needs a little-endian machine")
    header = {"__metadata__": dict((str(k), str(v)) for k, v in metadata.items())}
    offset = 0
    for name, t in tensors:
        if name == "__metadata__" or name in header:
            raise ConvertError("tensor name %r is reserved or repeated" % name)
        nbytes = t.numel() * (4 if _dtype_name(t) == "F32" else 8)  # F64 and I64: 8 bytes
        header[name] = {"dtype": _dtype_name(t), "shape": [int(s) for s in t.shape], "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    blob = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("utf-8")
    blob += b" " * (-len(blob) % 8)  # the data section starts 8-byte aligned

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(blob)))
            f.write(blob)
            for name, t in tensors:
                c = _as_written(t)
                nbytes = c.numel() * c.element_size()
                if nbytes:
                    f.write(memoryview((ctypes.c_char * nbytes).from_address(c.data_ptr())))
                del c
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    return 8 + len(blob) + offset


# ------------------------------------------------------------------------------------------------


def parse_aug_dim(text):
    if text.lower() in ("inf", "infinity"):
        return float("inf")
    try:
        D = float(text)
    except ValueError:
        D = float("nan")
    if not (math.isfinite(D) and D > 0):
        raise argparse.ArgumentTypeError("got %r, expected a number D > 0 or 'inf'" % text)
    return D


def default_output(path):
    base, ext = os.path.splitext(path)
    return (base if ext in (".pkl", ".pt", ".pth", ".pickle") else path) + ".safetensors"


def convert(args):
    path = args.input
    if path.endswith(".safetensors"):
        raise ConvertError("%s is already a safetensors file" % path)
    out = args.out or default_output(path)
    if os.path.abspath(out) == os.path.abspath(path):
        raise ConvertError("--out is the input file")
    if os.path.isdir(out):
        raise ConvertError("--out %s is a directory" % out)
    if not os.path.isdir(os.path.dirname(os.path.abspath(out))):
        raise ConvertError("the folder of --out %s does not exist" % out)

    if args.preset is not None and args.config is not None:
        raise ConvertError("give --preset or --config, not both")
    obj = load_checkpoint(path)
    if is_pfgm_checkpoint(obj):
        return convert_pfgm(obj, args, path, out)
    if args.preset is not None or args.config is not None:
        raise ConvertError("--%s applies only to original PFGM (Poisson_flow) checkpoints; %s is a PFGM++/EDM "
                           "checkpoint, which records its own configuration"
                           % ("preset" if args.preset is not None else "config", path))
    net = select_module(obj, args.which, path)
    config = build_config(net, args.aug_dim)
    tensors = list(net.state_dict().items())
    if not tensors:
        raise ConvertError("the module has no parameters or buffers")

    metadata = {
        "config": json.dumps(config, separators=(",", ":")),
        "source": os.path.basename(path),
        "which": args.which if isinstance(obj, dict) else "module",
        "class": "%s/%s" % (type(net).__name__, config["model_type"]),
    }
    if isinstance(obj, dict) and isinstance(obj.get("step"), int):
        metadata["step"] = str(obj["step"])
    size = write_safetensors(out, tensors, metadata)

    n_params = sum(p.numel() for p in net.parameters())
    print("%s: wrote %s (%s of %s, %d tensors, %s parameters, %.1f MB) config=%s"
          % (PROG, out, metadata["which"], metadata["class"], len(tensors), format(n_params, ","), size / 1e6,
             metadata["config"]))


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line on stderr and exit status 1, like every other error."""

    def error(self, message):
        sys.stderr.write("%s: error: %s (see --help)\n" % (PROG, one_line(message)))
        sys.exit(1)


def main(argv=None):
    parser = _Parser(
        prog="convert_official.py",
        description="Convert an official PFGM++/EDM checkpoint (.pkl or .pt) or an original PFGM checkpoint (.pth) "
                    "into a pfgm safetensors model file. For PFGM++/EDM, the official repository (Newbeeer/pfgmpp or "
                    "NVlabs/edm) must be on PYTHONPATH; original PFGM checkpoints need --preset or --config instead.")
    parser.add_argument("input", help="network-snapshot-*.pkl, training-state-*.pt (or .pkl), or an original PFGM "
                                      "checkpoint_<n>.pth / checkpoint.pth")
    parser.add_argument("--which", choices=("ema", "net"), default="ema",
                        help="which module of the checkpoint to convert (default: ema)")
    parser.add_argument("--out", metavar="FILE", help="output file (default: the input name with .safetensors)")
    parser.add_argument("--aug_dim", metavar="D", type=parse_aug_dim,
                        help="number of augmented dimensions D (or 'inf'); overrides what the checkpoint records "
                             "(EDM checkpoints record none and become D = inf)")
    parser.add_argument("--preset", metavar="NAME", choices=list(PFGM_PRESETS),
                        help="original PFGM checkpoints only: the network configuration, one of %s"
                             % ", ".join(PFGM_PRESETS))
    parser.add_argument("--config", metavar="FILE.json",
                        help="original PFGM checkpoints only: a model config JSON file (an NCSNpp config in the form "
                             "of the presets) instead of --preset")
    args = parser.parse_args(argv)
    try:
        convert(args)
    except ConvertError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, one_line(e)))
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("%s: error: interrupted\n" % PROG)
        return 1
    except Exception as e:  # noqa: BLE001 (one line, never a traceback)
        sys.stderr.write("%s: error: %s: %s\n" % (PROG, type(e).__name__, one_line(e)[:500]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
