#!/usr/bin/env python3
"""Self-test of tools/convert_official.py; needs only PyTorch.

    python tools/test_convert_official.py        (exit status 0 when every check passes)

The official repository is not needed: the test writes a small stand-in for it into a temporary
folder (torch_utils.persistence, dnnlib, training.networks). Like the real thing, the stand-in
pickles each network object as (module source code, class name, state) and records the
constructor's keyword arguments in `_init_kwargs`, so unpickling executes the stored source and
needs `torch_utils` on PYTHONPATH. The networks carry a few official key names, including buffers
(`model.map_noise.freqs`, `...resample_filter`).

Checkpoints are converted by running the script as a subprocess; the output is then read back
with the minimal reader below, which uses only json/struct/array (not torch, not the converter).

Original PFGM (Newbeeer/Poisson_flow) checkpoints need no official code: ConvertPfgmTest saves
dicts in their layout (a 'module.'-prefixed score_sde NCSN++ state_dict with `module.sigmas` and a
Fourier `module.all_modules.0.W`, EMA shadow parameters, optimizer state, step) and converts them
without PYTHONPATH. Where pfgm is built (build/pfgm, or $PFGM_BIN), one more test checks that the
converter's presets equal the binary's and that a converted checkpoint of a small NCSN++ with
every official key loads in pfgm (it runs `pfgm info` on every PFGM preset, ~20 s); without a
binary it is skipped.
"""

import array
import collections
import copy
import importlib.util
import json
import os
import pickle
import pickletools
import shutil
import struct
import subprocess
import sys
import tempfile
import textwrap
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "convert_official.py")

# ------------------------------------------------------------------------------------------------
# Stand-in for the official repository.

FAKE_DNNLIB = '''
class EasyDict(dict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)

    def __setattr__(self, name, value):
        self[name] = value
'''

FAKE_PERSISTENCE = '''
"""Stand-in for the official torch_utils.persistence: objects are pickled with their module's
source code and rebuilt by executing it; constructor arguments are kept in _init_args/_init_kwargs."""
import copy, inspect, sys, types, uuid
import dnnlib

_source_of = {}   # module -> source
_module_of = {}   # source -> module


def _module_source(module):
    if module not in _source_of:
        src = inspect.getsource(module)
        _source_of[module] = src
        _module_of[src] = module
    return _source_of[module]


def persistent_class(orig):
    if getattr(orig, "_stand_in_persistent", False):
        return orig
    src = _module_source(sys.modules[orig.__module__])

    class Decorator(orig):
        _stand_in_persistent = True

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._init_args = copy.deepcopy(args)
            self._init_kwargs = copy.deepcopy(kwargs)

        @property
        def init_kwargs(self):
            return dnnlib.EasyDict(copy.deepcopy(self._init_kwargs))

        def __reduce__(self):
            meta = dict(type="class", module_src=src, class_name=orig.__name__, state=dict(self.__dict__))
            return (_reconstruct_persistent_obj, (meta,))

    Decorator.__name__ = orig.__name__
    Decorator.__qualname__ = orig.__qualname__
    Decorator.__module__ = orig.__module__
    return Decorator


def _reconstruct_persistent_obj(meta):
    meta = dnnlib.EasyDict(meta)
    module = _module_of.get(meta.module_src)
    if module is None:
        module = types.ModuleType("_imported_module_" + uuid.uuid4().hex)
        sys.modules[module.__name__] = module
        _source_of[module] = meta.module_src
        _module_of[meta.module_src] = module
        exec(meta.module_src, module.__dict__)
    cls = persistent_class(module.__dict__[meta.class_name])
    obj = cls.__new__(cls)
    obj.__setstate__(dict(meta.state))
    return obj
'''

FAKE_NETWORKS = '''
"""Small networks with the official constructor signatures and a few official state_dict names."""
import torch
from torch_utils import persistence


@persistence.persistent_class
class Linear(torch.nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(out_features, in_features))
        self.bias = torch.nn.Parameter(torch.randn(out_features)) if bias else None


@persistence.persistent_class
class Conv2d(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel, up=False, down=False, resample_filter=[1, 1]):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = torch.nn.Parameter(torch.randn(out_channels))
        f = torch.as_tensor(resample_filter, dtype=torch.float32)
        f = f.ger(f).unsqueeze(0).unsqueeze(1) / f.sum().square()
        self.register_buffer("resample_filter", f if up or down else None)


@persistence.persistent_class
class GroupNorm(torch.nn.Module):
    def __init__(self, num_channels):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.rand(num_channels) + 0.5)
        self.bias = torch.nn.Parameter(torch.randn(num_channels))


@persistence.persistent_class
class FourierEmbedding(torch.nn.Module):
    def __init__(self, num_channels, scale=16):
        super().__init__()
        self.register_buffer("freqs", torch.randn(num_channels // 2) * scale)


@persistence.persistent_class
class DownBlock(torch.nn.Module):
    def __init__(self, in_channels, out_channels, resample_filter):
        super().__init__()
        self.norm0 = GroupNorm(in_channels)
        self.conv0 = Conv2d(in_channels, out_channels, 3, down=True, resample_filter=resample_filter)
        self.skip = Conv2d(in_channels, out_channels, 1, down=True, resample_filter=resample_filter)


@persistence.persistent_class
class SongUNet(torch.nn.Module):
    def __init__(self, img_resolution, in_channels, out_channels, label_dim=0, augment_dim=0,
                 model_channels=128, channel_mult=[1, 2, 2, 2], channel_mult_emb=4, num_blocks=4,
                 attn_resolutions=[16], dropout=0.10, label_dropout=0, embedding_type="positional",
                 channel_mult_noise=1, encoder_type="standard", decoder_type="standard", resample_filter=[1, 1]):
        super().__init__()
        emb = model_channels * channel_mult_emb
        noise = model_channels * channel_mult_noise
        if embedding_type == "fourier":
            self.map_noise = FourierEmbedding(noise)
        self.map_label = Linear(label_dim, noise) if label_dim else None
        self.map_augment = Linear(augment_dim, noise, bias=False) if augment_dim else None
        self.map_layer0 = Linear(noise, emb)
        self.map_layer1 = Linear(emb, emb)
        c = model_channels * channel_mult[0]
        r = img_resolution
        self.enc = torch.nn.ModuleDict()
        self.enc[f"{r}x{r}_conv"] = Conv2d(in_channels, c, 3)
        self.enc[f"{r // 2}x{r // 2}_down"] = DownBlock(c, c, resample_filter)
        self.dec = torch.nn.ModuleDict()
        self.dec[f"{r}x{r}_aux_norm"] = GroupNorm(c)
        self.dec[f"{r}x{r}_aux_conv"] = Conv2d(c, out_channels, 3)


@persistence.persistent_class
class EDMPrecond(torch.nn.Module):
    def __init__(self, img_resolution, img_channels, label_dim=0, pfgmpp=False, D=128, use_fp16=False,
                 sigma_min=0, sigma_max=float("inf"), sigma_data=0.5, model_type="DhariwalUNet", **model_kwargs):
        super().__init__()
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.D = D
        self.N = img_channels * img_resolution * img_resolution
        self.label_dim = label_dim
        self.pfgmpp = pfgmpp
        self.use_fp16 = use_fp16
        self.sigma_min = sigma_min
        self.sigma_max = sigma_max
        self.sigma_data = sigma_data
        self.model = globals()[model_type](img_resolution=img_resolution, in_channels=img_channels,
                                           out_channels=img_channels, label_dim=label_dim, **model_kwargs)


@persistence.persistent_class
class VPPrecond(torch.nn.Module):
    def __init__(self, img_resolution, img_channels, label_dim=0, use_fp16=False, beta_d=19.9, beta_min=0.1,
                 M=1000, epsilon_t=1e-5, model_type="SongUNet", **model_kwargs):
        super().__init__()
        self.model = globals()[model_type](img_resolution=img_resolution, in_channels=img_channels,
                                           out_channels=img_channels, label_dim=label_dim, **model_kwargs)
'''


def write_fake_repo(root):
    files = {
        "dnnlib/__init__.py": FAKE_DNNLIB,
        "torch_utils/__init__.py": "",
        "torch_utils/persistence.py": FAKE_PERSISTENCE,
        "training/__init__.py": "",
        "training/networks.py": FAKE_NETWORKS,
    }
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))


# ------------------------------------------------------------------------------------------------
# Independent minimal safetensors reader (json + struct + array only).


def read_safetensors(path):
    """Returns (header_length, header dict in file order, {name: (dtype, shape, values)}, file size)."""
    with open(path, "rb") as f:
        blob = f.read()
    assert len(blob) >= 8, "file shorter than 8 bytes"
    (n,) = struct.unpack("<Q", blob[:8])
    header_bytes = blob[8:8 + n]
    header = json.loads(header_bytes.decode("utf-8"), object_pairs_hook=lambda pairs: pairs)
    data = blob[8 + n:]
    tensors = {}
    sizes = {"F32": 4, "F64": 8, "I64": 8}
    codes = {"F32": "f", "F64": "d", "I64": "q"}
    for name, info in header:
        if name == "__metadata__":
            continue
        info = dict(info)
        begin, end = info["data_offsets"]
        count = 1
        for s in info["shape"]:
            count *= s
        assert end - begin == count * sizes[info["dtype"]], name
        values = array.array(codes[info["dtype"]])
        values.frombytes(data[begin:end])
        if sys.byteorder != "little":
            values.byteswap()
        tensors[name] = (info["dtype"], list(info["shape"]), values)
    return n, header, header_bytes, tensors, len(blob)


# ------------------------------------------------------------------------------------------------


def network_kwargs_ncsnpp():
    # What the official train.py passes for --arch=ncsnpp (smaller widths), plus the interface kwargs.
    return dict(model_type="SongUNet", embedding_type="fourier", encoder_type="residual", decoder_type="standard",
                channel_mult_noise=2, resample_filter=[1, 3, 3, 1], model_channels=8, channel_mult=(2, 2),
                augment_dim=9, dropout=0.13, use_fp16=False)


class _Base(unittest.TestCase):
    """The fake official repository, a scratch folder per test and the helpers; no tests."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="convert_official_test_")
        cls.repo = os.path.join(cls.tmp, "official")
        write_fake_repo(cls.repo)
        sys.path.insert(0, cls.repo)
        with warnings.catch_warnings():  # torch warns at import when NumPy is absent
            warnings.simplefilter("ignore")
            import torch
        from training import networks
        cls.torch = torch
        cls.networks = networks
        torch.manual_seed(0)

    @classmethod
    def tearDownClass(cls):
        sys.path.remove(cls.repo)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.tmp)

    # helpers -----------------------------------------------------------------------------------

    def run_convert(self, *args, pythonpath=True):
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        if pythonpath:
            env["PYTHONPATH"] = self.repo
        proc = subprocess.run([sys.executable, SCRIPT] + list(args), cwd=self.dir, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        return proc.returncode, proc.stdout, proc.stderr

    def expect_error(self, args, needle, pythonpath=True):
        before = set(os.listdir(self.dir))
        rc, out, err = self.run_convert(*args, pythonpath=pythonpath)
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, "")
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("convert_official: error: "), err)
        self.assertIn(needle, lines[0])
        self.assertEqual(set(os.listdir(self.dir)), before, "files appeared after a failed conversion")
        return lines[0]

    def path(self, name):
        return os.path.join(self.dir, name)

    def check_file(self, path, module, config, source, extra_metadata=None):
        return self.check_tensors(path, module.state_dict(), config, source, extra_metadata)

    def check_tensors(self, path, state, config, source, extra_metadata=None):
        """The file holds exactly `state` ({name: tensor}, in order) as float32, and the metadata."""
        n, header, header_bytes, tensors, size = read_safetensors(path)
        # Header: length a multiple of 8, JSON padded with spaces only.
        self.assertEqual(n % 8, 0)
        text = header_bytes.decode("utf-8")
        self.assertEqual(text.rstrip(" "), text.strip())
        self.assertTrue(text.strip().endswith("}"))
        self.assertLess(len(text) - len(text.rstrip(" ")), 8)
        # Offsets tile the data section in order, without gaps.
        entries = [(k, dict(v)) for k, v in header if k != "__metadata__"]
        offset = 0
        for name, info in entries:
            self.assertEqual(sorted(info), ["data_offsets", "dtype", "shape"])
            self.assertEqual(info["data_offsets"][0], offset, name)
            offset = info["data_offsets"][1]
        self.assertEqual(8 + n + offset, size)
        # Names, order, shapes, dtypes and values: the module's state_dict, as float32 (float64 kept).
        self.assertEqual([k for k, _ in entries], list(state))
        for name, t in state.items():
            dtype, shape, values = tensors[name]
            self.assertEqual(dtype, "F64" if t.dtype == torch.float64 else "F32", name)
            self.assertEqual(shape, list(t.shape), name)
            expected = (t.detach() if t.dtype == torch.float64 else t.detach().float()).flatten().tolist()
            self.assertEqual(list(values), expected, name)  # exact: float32 round trip
        # Metadata: strings only; the config JSON.
        meta = dict(dict(header)["__metadata__"])
        for k, v in meta.items():
            self.assertIsInstance(v, str, k)
        self.assertEqual(meta["source"], source)
        self.assertEqual(json.loads(meta["config"]), config)
        for k, v in (extra_metadata or {}).items():
            self.assertEqual(meta.get(k), v, k)
        return meta

    def build(self, **overrides):
        kwargs = network_kwargs_ncsnpp()
        kwargs.update(img_resolution=8, img_channels=3, label_dim=0, pfgmpp=True, D=2048)
        kwargs.update(overrides)
        return self.networks.EDMPrecond(**kwargs).eval().requires_grad_(False)

    def expected_config(self, **changes):
        config = {
            "model_type": "SongUNet", "precond": "edm", "img_resolution": 8, "img_channels": 3, "label_dim": 0,
            "use_fp16": False, "sigma_data": 0.5, "N": 192, "D": 2048, "pfgmpp": True,
            # recorded by train.py
            "embedding_type": "fourier", "encoder_type": "residual", "decoder_type": "standard",
            "channel_mult_noise": 2, "resample_filter": [1, 3, 3, 1], "model_channels": 8, "channel_mult": [2, 2],
            "augment_dim": 9, "dropout": 0.13,
            # constructor defaults of the network
            "channel_mult_emb": 4, "num_blocks": 4, "attn_resolutions": [16], "label_dropout": 0,
        }
        config.update(changes)
        return config


class ConvertOfficialTest(_Base):
    def test_network_snapshot_pickle(self):
        ema = self.build()
        self.assertIn("model.map_noise.freqs", ema.state_dict())
        self.assertIn("model.enc.4x4_down.conv0.resample_filter", ema.state_dict())
        src = self.path("network-snapshot-000100.pkl")
        with open(src, "wb") as f:
            pickle.dump(dict(ema=ema, loss_fn=None, augment_pipe=None, dataset_kwargs=dict(resolution=8)), f)
        rc, out, err = self.run_convert("network-snapshot-000100.pkl")
        self.assertEqual(rc, 0, err)
        self.assertEqual(err, "")
        self.assertEqual(len(out.strip().splitlines()), 1, out)
        n_params = sum(p.numel() for p in ema.parameters())
        self.assertIn("%d tensors" % len(ema.state_dict()), out)
        self.assertIn("{:,} parameters".format(n_params), out)
        dst = self.path("network-snapshot-000100.safetensors")
        config = self.expected_config()
        for absent in ("sigma_min", "sigma_max", "in_channels", "out_channels"):
            self.assertNotIn(absent, config)
        meta = self.check_file(dst, ema, config, "network-snapshot-000100.pkl", {"which": "ema"})
        self.assertNotIn("step", meta)
        self.assertEqual(sorted(os.listdir(self.dir)), ["network-snapshot-000100.pkl", "network-snapshot-000100.safetensors"])

    def test_training_state(self):
        torch = self.torch
        net = self.build(pfgmpp=False, D=128, label_dim=10, use_fp16=True)
        ema = copy.deepcopy(net)
        with torch.no_grad():
            for p in ema.parameters():
                p.add_(1.0)
        ema.model.map_layer0.weight.data = ema.model.map_layer0.weight.data.half()  # fp16 storage
        state = dict(optimizer_state={"state": {}, "param_groups": []}, step=123456, ema=ema, net=net)
        torch.save(state, self.path("training-state-000123.pt"))
        self.assertTrue(any(t.dtype == torch.float16 for t in ema.state_dict().values()))

        config = self.expected_config(label_dim=10, use_fp16=True, D="inf", pfgmpp=False)
        # default: ema, output next to the input
        rc, out, err = self.run_convert("training-state-000123.pt")
        self.assertEqual(rc, 0, err)
        self.check_file(self.path("training-state-000123.safetensors"), ema, config, "training-state-000123.pt",
                        {"which": "ema", "step": "123456"})
        # --which net --out
        os.mkdir(self.path("sub"))
        rc, out, err = self.run_convert("training-state-000123.pt", "--which", "net", "--out", "sub/net.safetensors")
        self.assertEqual(rc, 0, err)
        self.check_file(self.path("sub/net.safetensors"), net, config, "training-state-000123.pt", {"which": "net"})
        # --aug_dim on a D = inf checkpoint
        rc, out, err = self.run_convert("training-state-000123.pt", "--aug_dim", "64", "--out", "d64.safetensors")
        self.assertEqual(rc, 0, err)
        self.check_file(self.path("d64.safetensors"), ema, dict(config, D=64, pfgmpp=True), "training-state-000123.pt")
        # --aug_dim inf on a finite-D checkpoint, legacy torch.save format, pickle variant of the state
        pf = self.build()
        torch.save(dict(net=pf, ema=pf, step=1), self.path("legacy.pt"), _use_new_zipfile_serialization=False)
        rc, out, err = self.run_convert("legacy.pt", "--aug_dim", "inf")
        self.assertEqual(rc, 0, err)
        self.check_file(self.path("legacy.safetensors"), pf, self.expected_config(D="inf", pfgmpp=False), "legacy.pt")
        with open(self.path("training-state-000001.pkl"), "wb") as f:
            pickle.dump(dict(net=pf, ema=pf, step=1, optimizer_state={}), f)
        rc, out, err = self.run_convert("training-state-000001.pkl", "--aug_dim", "4096")
        self.assertEqual(rc, 0, err)
        self.assertIn("--aug_dim 4096 replaces the recorded D = 2048", err)
        self.check_file(self.path("training-state-000001.safetensors"), pf, self.expected_config(D=4096),
                        "training-state-000001.pkl")

    def test_pickle_from_gpu_tensors(self):
        # A plain pickle stores each tensor's storage as a small legacy torch.save blob that names
        # its device. Rewrite 'cpu' to 'cuda' in those blobs, as in a snapshot pickled from GPU
        # memory: plain pickle.load then fails without CUDA; the converter must load to the CPU.
        if self.torch.cuda.is_available():
            self.skipTest("needs a machine without CUDA")
        ema = self.build()
        blob = pickle.dumps(dict(ema=ema), protocol=3)  # protocol 3: byte strings inline, no frames
        cpu, cuda = b"X\x03\x00\x00\x00cpu", b"X\x04\x00\x00\x00cuda"
        out, pos, patched = bytearray(), 0, 0
        for op, arg, at in pickletools.genops(blob):
            if op.name in ("SHORT_BINBYTES", "BINBYTES") and cpu in arg:
                head = 2 if op.name == "SHORT_BINBYTES" else 5
                inner = arg.replace(cpu, cuda)
                out += blob[pos:at] + b"B" + struct.pack("<I", len(inner)) + inner
                pos = at + head + len(arg)
                patched += 1
        out += blob[pos:]
        if not patched:
            self.skipTest("this torch pickles tensors differently")
        with open(self.path("gpu.pkl"), "wb") as f:
            f.write(bytes(out))
        with self.assertRaises(RuntimeError):  # what a plain CPU-only unpickling does
            pickle.loads(bytes(out))
        rc, _, err = self.run_convert("gpu.pkl")
        self.assertEqual(rc, 0, err)
        self.check_file(self.path("gpu.safetensors"), ema, self.expected_config(), "gpu.pkl")

    def test_refused_precond(self):
        vp = self.networks.VPPrecond(img_resolution=8, img_channels=3, model_type="SongUNet", model_channels=8,
                                     channel_mult=[2, 2])
        with open(self.path("network-snapshot-000200.pkl"), "wb") as f:
            pickle.dump(dict(ema=vp), f)
        self.expect_error(["network-snapshot-000200.pkl"], "VPPrecond")
        self.torch.save(dict(ema=vp, net=vp, step=0), self.path("training-state-000200.pt"))
        self.expect_error(["training-state-000200.pt", "--out", "x.safetensors"], "VPPrecond")

    def test_unreadable_files(self):
        with open(self.path("network-snapshot-000300.pkl"), "wb") as f:
            f.write(b"\x00this is not a pickle" * 10)
        self.expect_error(["network-snapshot-000300.pkl"], "cannot read network-snapshot-000300.pkl")
        with open(self.path("training-state-000300.pt"), "wb") as f:
            f.write(b"PK\x03\x04 broken zip")
        self.expect_error(["training-state-000300.pt"], "cannot read")
        ema = self.build()
        with open(self.path("whole.pkl"), "wb") as f:
            pickle.dump(dict(ema=ema), f)
        with open(self.path("whole.pkl"), "rb") as f:
            blob = f.read()
        os.remove(self.path("whole.pkl"))
        with open(self.path("truncated.pkl"), "wb") as f:
            f.write(blob[:len(blob) // 2])
        self.expect_error(["truncated.pkl"], "cannot read truncated.pkl")
        open(self.path("empty.pkl"), "wb").close()
        self.expect_error(["empty.pkl"], "empty")
        self.expect_error(["missing.pkl"], "cannot open missing.pkl")

    def test_usage_errors(self):
        net = self.build()
        self.torch.save(dict(net=net, optimizer_state={}), self.path("training-state-000400.pt"))  # EDM layout
        self.expect_error(["training-state-000400.pt"], "--which net")
        self.expect_error(["training-state-000400.pt", "--aug_dim", "-3"], "--aug_dim")
        self.expect_error(["training-state-000400.pt", "--which", "both"], "--which")
        self.expect_error(["training-state-000400.pt", "--out", "nowhere/x.safetensors"], "does not exist")
        # without the official repository on PYTHONPATH
        line = self.expect_error(["training-state-000400.pt", "--which", "net"], "PYTHONPATH", pythonpath=False)
        self.assertIn("torch_utils", line)
        # and with it, the same file converts
        rc, out, err = self.run_convert("training-state-000400.pt", "--which", "net")
        self.assertEqual(rc, 0, err)


# ------------------------------------------------------------------------------------------------
# Original PFGM (Newbeeer/Poisson_flow) checkpoints: torch.save of plain tensors, no official code.

# What the converter must write for --preset cifar10-pfgm-ncsnpp (src/networks/presets.cpp).
PFGM_NCSNPP_CONFIG = {
    "model_type": "NCSNpp", "precond": "pfgm", "img_resolution": 32, "img_channels": 3, "D": 1, "z_max": 40,
    "z_min": 0.001, "gamma": 5, "upper_norm": 3000, "z_exp": 5, "nf": 128, "ch_mult": [1, 2, 2, 2], "num_res_blocks": 4,
    "attn_resolutions": [16], "dropout": 0.1, "embedding_type": "fourier", "fir": True,
    "progressive_input": "residual", "N": 3072,
}
PFGM_NOT_IN_EMA = ("module.sigmas", "module.all_modules.0.W")


def load_converter():
    """tools/convert_official.py as a module (for the checks that look inside it)."""
    spec = importlib.util.spec_from_file_location("convert_official_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pfgm_binary():
    """A built pfgm executable ($PFGM_BIN, else build/pfgm), or None."""
    path = os.environ.get("PFGM_BIN") or os.path.join(os.path.dirname(HERE), "build", "pfgm")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


class ConvertPfgmTest(_Base):
    def run_convert(self, *args, pythonpath=False):  # original PFGM checkpoints need no official code
        return super().run_convert(*args, pythonpath=pythonpath)

    def expect_error(self, args, needle, pythonpath=False):
        return super().expect_error(args, needle, pythonpath=pythonpath)

    def pfgm_state(self, nf=128, channels=3, fourier=True, modules=59, names_shapes=None):
        """A score_sde NCSN++ state_dict (official names, DataParallel prefix) of `modules` entries of
        all_modules: [Fourier W], the two Dense layers, the input conv, res blocks with a few of their
        tensors, the output GroupNorm and conv; or the given [(name, shape)]. `module.sigmas` is
        float64, as in the official model. (59 modules: the CIFAR-10 NCSN++ layout; 55: DDPM++.)"""
        torch = self.torch
        if names_shapes is None:
            names_shapes = [("module.sigmas", (10,))]
            m = "module.all_modules.%d."
            i = 0
            if fourier:
                names_shapes.append((m % 0 + "W", (nf,)))
                i = 1
            emb = 2 * nf if fourier else nf
            names_shapes += [
                (m % i + "weight", (4 * nf, emb)), (m % i + "bias", (4 * nf,)),
                (m % (i + 1) + "weight", (4 * nf, 4 * nf)), (m % (i + 1) + "bias", (4 * nf,)),
                (m % (i + 2) + "weight", (nf, channels, 3, 3)), (m % (i + 2) + "bias", (nf,)),
                (m % (i + 3) + "GroupNorm_0.weight", (nf,)), (m % (i + 3) + "Conv_0.weight", (nf, nf, 3, 3)),
                (m % (i + 3) + "Dense_0.weight", (nf, 4 * nf)), (m % (i + 3) + "NIN_0.W", (nf, nf)),
            ]
            for k in range(i + 4, modules - 2):
                names_shapes += [(m % k + "GroupNorm_0.weight", (nf,)), (m % k + "Conv_0.bias", (nf,))]
            names_shapes += [
                (m % (modules - 2) + "weight", (nf,)), (m % (modules - 2) + "bias", (nf,)),
                (m % (modules - 1) + "weight", (channels + 1, nf, 3, 3)), (m % (modules - 1) + "bias", (channels + 1,)),
            ]
        state = collections.OrderedDict()
        for name, shape in names_shapes:
            if name == "module.sigmas":
                state[name] = torch.exp(torch.linspace(3.9, -4.6, shape[0], dtype=torch.float64))
            else:
                state[name] = torch.randn(*shape)
        return state

    def pfgm_checkpoint(self, name, state, shadow=None, legacy=False, step=50000):
        """torch.save of the official layout; shadow parameters default to distinct values per
        trainable parameter (k + 1 + small noise for the k-th), so their order is visible."""
        torch = self.torch
        if shadow is None:
            trainable = [t for k, t in state.items() if k not in PFGM_NOT_IN_EMA]
            shadow = [torch.full_like(t, float(k + 1)) + 0.01 * torch.randn_like(t) for k, t in enumerate(trainable)]
        n = len(shadow)
        obj = dict(optimizer={"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.zeros(2)}},
                              "param_groups": [{"lr": 2e-4, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                                                "amsgrad": False, "params": list(range(n))}]},
                   scheduler=None,  # newer Poisson_flow versions save one (None unless configured)
                   model=state, ema={"decay": 0.9999, "num_updates": 7, "shadow_params": shadow}, step=step)
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if legacy:
            torch.save(obj, path, _use_new_zipfile_serialization=False)
        else:
            torch.save(obj, path)
        return shadow

    def expected_ema(self, state, shadow):
        out, it = collections.OrderedDict(), iter(shadow)
        for k, t in state.items():
            out[k] = t if k in PFGM_NOT_IN_EMA else next(it)
        self.assertIsNone(next(it, None))
        return out

    def write_config(self, name, config):
        with open(self.path(name), "w") as f:
            json.dump(config, f)

    # tests -------------------------------------------------------------------------------------

    def test_pfgm_preset_ema_and_net(self):
        torch = self.torch
        state = self.pfgm_state()  # NCSN++ layout: Fourier W, nf = 128, 3 channels
        shadow = self.pfgm_checkpoint("checkpoints/checkpoint_5.pth", state)
        self.assertEqual(len(shadow), len(state) - 2)

        rc, out, err = self.run_convert("checkpoints/checkpoint_5.pth", "--preset", "cifar10-pfgm-ncsnpp")
        self.assertEqual(rc, 0, err)
        self.assertEqual(err, "")
        self.assertEqual(len(out.strip().splitlines()), 1, out)
        n_params = sum(t.numel() for k, t in state.items() if k != "module.sigmas")
        self.assertIn("{:,} parameters".format(n_params), out)
        self.assertIn("%d tensors" % len(state), out)
        expected = self.expected_ema(state, shadow)
        meta = self.check_tensors(self.path("checkpoints/checkpoint_5.safetensors"), expected, PFGM_NCSNPP_CONFIG,
                                  "checkpoint_5.pth", {"which": "ema", "class": "NCSNpp", "step": "50000"})
        self.assertEqual(sorted(meta), ["class", "config", "source", "step", "which"])
        # the substitution really happened, in order: the k-th trainable tensor is ≈ k + 1
        _, _, _, tensors, _ = read_safetensors(self.path("checkpoints/checkpoint_5.safetensors"))
        trainable = [k for k in state if k not in PFGM_NOT_IN_EMA]
        for k, name in enumerate(trainable):
            values = tensors[name][2]
            self.assertAlmostEqual(sum(values) / len(values), k + 1, delta=0.01, msg=name)
        for name in PFGM_NOT_IN_EMA:  # the buffer and the fixed Fourier W are the model's own
            expected = state[name] if name == "module.sigmas" else state[name].float()
            self.assertEqual(list(tensors[name][2]), expected.flatten().tolist(), name)
        self.assertEqual(tensors["module.sigmas"][0], "F64")
        self.assertEqual(meta["source"], "checkpoint_5.pth")

        # --which net: the raw weights
        rc, out, err = self.run_convert("checkpoints/checkpoint_5.pth", "--preset", "cifar10-pfgm-ncsnpp",
                                        "--which", "net", "--out", "net.safetensors")
        self.assertEqual(rc, 0, err)
        self.check_tensors(self.path("net.safetensors"), state, PFGM_NCSNPP_CONFIG, "checkpoint_5.pth",
                           {"which": "net", "class": "NCSNpp", "step": "50000"})

        # loading ran no pickled code: torch.load with weights_only=True sufficed (in-process check)
        module = load_converter()
        if not module._has_weights_only():
            return
        calls = []
        original = module._torch_load

        def recording(source, weights_only=False):
            calls.append(weights_only)
            return original(source, weights_only)

        module._torch_load = recording
        obj = module.load_checkpoint(self.path("checkpoints/checkpoint_5.pth"))
        self.assertEqual(calls, [True])
        self.assertTrue(module.is_pfgm_checkpoint(obj))
        self.assertTrue(torch.equal(obj["model"]["module.sigmas"], state["module.sigmas"]))

    def test_pfgm_config_file_legacy_format(self):
        # checkpoints-meta/checkpoint.pth written in the legacy torch.save format; a --config file
        # for a small positional (DDPM++-like) network with one channel; no step in the file.
        state = self.pfgm_state(nf=8, channels=1, fourier=False, modules=18)  # the count of pfgm info --keys
        shadow = self.pfgm_checkpoint("checkpoints-meta/checkpoint.pth", state, legacy=True, step=None)
        config = {"img_resolution": 8, "img_channels": 1, "nf": 8, "ch_mult": [1, 2], "num_res_blocks": 1,
                  "attn_resolutions": [4], "dropout": 0.0, "embedding_type": "positional", "z_max": 40,
                  "upper_norm": 3000}
        self.write_config("small.json", config)
        rc, out, err = self.run_convert("checkpoints-meta/checkpoint.pth", "--config", "small.json")
        self.assertEqual(rc, 0, err)
        expected_config = dict(config, model_type="NCSNpp", precond="pfgm", D=1, N=64)
        meta = self.check_tensors(self.path("checkpoints-meta/checkpoint.safetensors"),
                                  self.expected_ema(state, shadow), expected_config, "checkpoint.pth",
                                  {"which": "ema", "class": "NCSNpp"})
        self.assertNotIn("step", meta)
        # keys saved without the DataParallel prefix get it (with a note)
        bare = collections.OrderedDict((k[len("module."):], t) for k, t in state.items())
        self.pfgm_checkpoint("bare.pth", bare, shadow=shadow)
        rc, out, err = self.run_convert("bare.pth", "--config", "small.json")
        self.assertEqual(rc, 0, err)
        self.assertIn("prefix", err)
        self.check_tensors(self.path("bare.safetensors"), self.expected_ema(state, shadow), expected_config,
                           "bare.pth")

    def test_pfgm_errors(self):
        torch = self.torch
        state = self.pfgm_state()
        shadow = self.pfgm_checkpoint("checkpoint_1.pth", state)
        # no --preset / --config
        line = self.expect_error(["checkpoint_1.pth"], "--preset")
        self.assertIn("cifar10-pfgm-ncsnpp", line)
        self.assertIn("--config", line)
        # a shadow parameter of the wrong shape: the error names the key
        bad = list(shadow)
        bad[3] = torch.zeros(5, 5)
        self.pfgm_checkpoint("checkpoint_2.pth", state, shadow=bad)
        trainable = [k for k in state if k not in PFGM_NOT_IN_EMA]
        line = self.expect_error(["checkpoint_2.pth", "--preset", "cifar10-pfgm-ncsnpp"], trainable[3])
        self.assertIn("[5, 5]", line)
        # ... which --which net does not read
        rc, _, err = self.run_convert("checkpoint_2.pth", "--preset", "cifar10-pfgm-ncsnpp", "--which", "net")
        self.assertEqual(rc, 0, err)
        os.remove(self.path("checkpoint_2.safetensors"))
        # a shadow list of the wrong length (as if W were counted, or a parameter missing)
        self.pfgm_checkpoint("checkpoint_3.pth", state, shadow=shadow[:-1])
        line = self.expect_error(["checkpoint_3.pth", "--preset", "cifar10-pfgm-ncsnpp", "--out", "x.safetensors"],
                                 "%d shadow parameters" % (len(shadow) - 1))
        self.assertIn("%d trainable" % len(shadow), line)
        # preset and checkpoint disagree about the embedding, or about the output channels
        self.expect_error(["checkpoint_1.pth", "--preset", "cifar10-pfgm-ddpmpp"], "module.all_modules.0.W")
        self.pfgm_checkpoint("positional.pth", self.pfgm_state(fourier=False, modules=55))
        self.expect_error(["positional.pth", "--preset", "cifar10-pfgm-ncsnpp"], "no module.all_modules.0.W")
        self.pfgm_checkpoint("grey.pth", self.pfgm_state(channels=1))
        line = self.expect_error(["grey.pth", "--preset", "cifar10-pfgm-ncsnpp"], "module.all_modules.58.weight")
        self.assertIn("img_channels + 1", line)
        self.pfgm_checkpoint("narrow.pth", self.pfgm_state(nf=64))
        self.expect_error(["narrow.pth", "--preset", "cifar10-pfgm-ncsnpp"], "nf = 128")
        # DDPM++ and DDPM++ deep agree on all of that; the number of modules tells them apart
        line = self.expect_error(["positional.pth", "--preset", "cifar10-pfgm-ddpmpp-deep"], "has 55 modules")
        self.assertIn("builds 91", line)
        rc, _, err = self.run_convert("positional.pth", "--preset", "cifar10-pfgm-ddpmpp")
        self.assertEqual(rc, 0, err)
        os.remove(self.path("positional.safetensors"))
        # option misuse
        self.expect_error(["checkpoint_1.pth", "--preset", "cifar10-pfgm-ncsnpp", "--aug_dim", "2048"], "--aug_dim")
        self.write_config("c.json", {"img_resolution": 32})
        self.expect_error(["checkpoint_1.pth", "--preset", "cifar10-pfgm-ncsnpp", "--config", "c.json"], "not both")
        self.expect_error(["checkpoint_1.pth", "--preset", "cifar10-pfgm"], "invalid choice")
        self.write_config("edm.json", {"model_type": "SongUNet", "img_resolution": 32})
        self.expect_error(["checkpoint_1.pth", "--config", "edm.json"], "model_type")
        self.write_config("nores.json", {"model_type": "NCSNpp", "embedding_type": "fourier"})
        self.expect_error(["checkpoint_1.pth", "--config", "nores.json"], "img_resolution")
        self.expect_error(["checkpoint_1.pth", "--config", "missing.json"], "cannot open --config missing.json")
        with open(self.path("broken.json"), "w") as f:
            f.write("{")
        self.expect_error(["checkpoint_1.pth", "--config", "broken.json"], "not valid JSON")
        # --preset on a PFGM++ / EDM checkpoint
        with open(self.path("network-snapshot-000100.pkl"), "wb") as f:
            pickle.dump(dict(ema=self.build()), f)
        self.expect_error(["network-snapshot-000100.pkl", "--preset", "cifar10-pfgm-ncsnpp"],
                          "only to original PFGM", pythonpath=True)

    def test_pfgm_with_built_binary(self):
        """Where pfgm is built: the converter's presets are the binary's, and a converted
        checkpoint of a small NCSN++ (every official key, from `pfgm info --keys`) loads."""
        binary = pfgm_binary()
        if binary is None:
            self.skipTest("no built pfgm (build/pfgm or $PFGM_BIN)")
        module = load_converter()

        def info(*args):
            proc = subprocess.run([binary, "info"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  universal_newlines=True, cwd=self.dir)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            return proc.stdout

        self.assertEqual(module.PFGM_PRESETS["cifar10-pfgm-ncsnpp"], PFGM_NCSNPP_CONFIG)
        for name, config in module.PFGM_PRESETS.items():
            got = json.loads(info(name, "--json"))["config"]
            for key, value in config.items():
                self.assertEqual(got.get(key), value, "%s: %s" % (name, key))

        config = {"model_type": "NCSNpp", "precond": "pfgm", "img_resolution": 8, "img_channels": 3, "D": 1,
                  "nf": 16, "ch_mult": [1, 2], "num_res_blocks": 1, "attn_resolutions": [4], "dropout": 0.0,
                  "embedding_type": "fourier", "fir": True, "progressive_input": "residual", "z_max": 40,
                  "z_min": 0.001, "gamma": 5, "upper_norm": 3000}
        self.write_config("tiny.json", config)
        names_shapes = []
        for line in info("--config", "tiny.json", "--keys").splitlines():
            name, shape = line.split(" ", 1)
            names_shapes.append((name, tuple(int(s) for s in shape.strip("(,)").split(",") if s.strip())))
        self.assertEqual(names_shapes[:2], [("module.sigmas", (1000,)), ("module.all_modules.0.W", (16,))])
        state = self.pfgm_state(names_shapes=names_shapes)
        self.pfgm_checkpoint("checkpoint_9.pth", state)
        rc, out, err = self.run_convert("checkpoint_9.pth", "--config", "tiny.json")
        self.assertEqual(rc, 0, err)
        loaded = json.loads(info("--checkpoint", "checkpoint_9.safetensors", "--json"))
        self.assertEqual(loaded["tensors"], len(state))
        self.assertIn("{:,} parameters".format(loaded["parameters"]), out)
        self.assertEqual(loaded["config"]["D"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
