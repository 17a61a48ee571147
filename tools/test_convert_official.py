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
"""

import array
import copy
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


class ConvertOfficialTest(unittest.TestCase):
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
        # Names, order, shapes, dtypes and values: the module's state_dict, as float32.
        state = module.state_dict()
        self.assertEqual([k for k, _ in entries], list(state))
        for name, t in state.items():
            dtype, shape, values = tensors[name]
            self.assertEqual(dtype, "F32", name)
            self.assertEqual(shape, list(t.shape), name)
            expected = t.detach().float().flatten().tolist()
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

    # tests -------------------------------------------------------------------------------------

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
