#!/usr/bin/env python3
"""Convert official PFGM++ / EDM checkpoints into pfgm model files (safetensors).

pfgm never unpickles anything, so official checkpoints have to pass through this script once.
It needs only PyTorch (>= 1.13) and, for unpickling, the official repository on PYTHONPATH:
Newbeeer/pfgmpp or NVlabs/edm (their `torch_utils` and `dnnlib` packages; the network code itself
travels inside the checkpoint).

Accepted inputs (detected from the file's contents, whatever its extension):
  network-snapshot-*.pkl   EDM snapshot: a pickled dict whose 'ema' entry is the EDMPrecond module.
  training-state-*.pt      PFGM++ training state (torch.save): a dict with 'net', 'ema',
                           'optimizer_state' and 'step'. EDM's training states hold only 'net'.
  training-state-*.pkl     the same dict written with pickle (pfgmpp generate.py --use_pickle=1).

Usage:
  PYTHONPATH=/path/to/pfgmpp python tools/convert_official.py training-state-200000.pt
  PYTHONPATH=/path/to/edm python tools/convert_official.py network-snapshot-200000.pkl --out edm.safetensors
  ... --which net          convert the raw network instead of its EMA
  ... --aug_dim 2048       set D where the checkpoint does not record it (EDM checkpoints are D = inf)

Output: a safetensors file holding every parameter and buffer of the module's state_dict under the
official names (`model.enc.32x32_conv.weight`, `model.map_noise.freqs`, ...) as float32, in
state_dict order, with metadata "config" (pfgm's model configuration, JSON), "source" (the input
file name), "which", "class" and, for training states, "step". The file is written to a temporary
name next to the output and renamed at the end, so a failed run leaves no partial output.

Only the EDM preconditioner (EDMPrecond, which PFGM++ also uses) is supported; checkpoints of
VPPrecond, VEPrecond or iDDPMPrecond are refused.

Unpickling runs code from the checkpoint (the official format stores the network's source code):
convert only files you trust.
"""

import argparse
import ctypes
import inspect
import io
import json
import math
import os
import pickle
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


def _torch_load(source):
    """torch.load onto the CPU, allowing arbitrary pickled objects (the official modules)."""
    torch = _torch()
    kwargs = {"map_location": "cpu"}
    try:
        if "weights_only" in inspect.signature(torch.load).parameters:
            kwargs["weights_only"] = False  # torch >= 2.6 defaults to True, which refuses modules
    except (TypeError, ValueError):
        pass
    with warnings.catch_warnings():  # deprecation notes about the storage format are not the user's concern
        warnings.simplefilter("ignore")
        return torch.load(source, **kwargs)


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
            return _torch_load(path)
        with open(path, "rb") as f, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = _CpuUnpickler(f).load()
        if isinstance(obj, int) and obj == LEGACY_TORCH_MAGIC:  # torch.save (legacy format)
            return _torch_load(path)
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
# safetensors writer


def _dtype_name(t):
    torch = _torch()
    if t.is_floating_point():
        return "F32"  # fp16 / bf16 / fp64 are written as float32, the dtype pfgm loads
    if t.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        return "I64"
    raise ConvertError("tensor dtype %s is not supported" % t.dtype)


def _as_written(t):
    torch = _torch()
    dtype = torch.float32 if _dtype_name(t) == "F32" else torch.int64
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
        nbytes = t.numel() * (4 if _dtype_name(t) == "F32" else 8)
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

    obj = load_checkpoint(path)
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
        description="Convert an official PFGM++/EDM checkpoint (.pkl or .pt) into a pfgm safetensors model file. "
                    "The official repository (Newbeeer/pfgmpp or NVlabs/edm) must be on PYTHONPATH.")
    parser.add_argument("input", help="network-snapshot-*.pkl or training-state-*.pt (or .pkl)")
    parser.add_argument("--which", choices=("ema", "net"), default="ema",
                        help="which module of the checkpoint to convert (default: ema)")
    parser.add_argument("--out", metavar="FILE", help="output file (default: the input name with .safetensors)")
    parser.add_argument("--aug_dim", metavar="D", type=parse_aug_dim,
                        help="number of augmented dimensions D (or 'inf'); overrides what the checkpoint records "
                             "(EDM checkpoints record none and become D = inf)")
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
