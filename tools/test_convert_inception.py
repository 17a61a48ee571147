#!/usr/bin/env python3
"""Checks tools/convert_inception.py on a stand-in for EDM's detector pickle (same calling
convention: uint8 NCHW of any size, return_features / no_output_bias keywords): the traced file
reproduces the pickled module at two resolutions, and `pfgm fid ref|calc` accept it.

  python tools/test_convert_inception.py build/pfgm
"""
import json
import os
import pickle
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


class StandIn(torch.nn.Module):
    """Resizes to 16x16 (as Inception resizes to 299x299), then pooled features and a class head."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.proj = torch.nn.Parameter(torch.randn(3 * 4 * 4, 32, generator=g) / 8)
        self.head = torch.nn.Parameter(torch.randn(32, 12, generator=g) / 4)
        self.bias = torch.nn.Parameter(torch.randn(12, generator=g))

    def forward(self, img, return_features=False, use_fp16=False, no_output_bias=False):
        x = img.to(torch.float32)
        if x.shape[2] != 16 or x.shape[3] != 16:
            x = torch.nn.functional.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)
        x = torch.nn.functional.avg_pool2d(x / 255, 4)
        f = torch.relu(x.flatten(1) @ self.proj)
        if return_features:
            return f
        logits = f @ self.head + (0 if no_output_bias else self.bias)
        return torch.softmax(logits, dim=1)


def main():
    pfgm = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        pkl, pt = os.path.join(tmp, "detector.pkl"), os.path.join(tmp, "detector.pt")
        # The pickle must name an importable class, as EDM's names the EDM repository's.
        sys.path.insert(0, HERE)
        import test_convert_inception as importable
        module = importable.StandIn().eval()
        with open(pkl, "wb") as f:
            pickle.dump(module, f)
        # Unpickling imports the class from its module, as EDM's pickle imports the EDM repository.
        env = dict(os.environ, PYTHONPATH=HERE)
        subprocess.run([sys.executable, os.path.join(HERE, "convert_inception.py"), pkl, pt], check=True, env=env)
        traced = torch.jit.load(pt)
        for res in (32, 64):
            x = torch.randint(0, 256, (3, 3, res, res), dtype=torch.uint8)
            features, logits = traced(x)
            assert torch.allclose(features, module(x, return_features=True), atol=1e-6), res
            assert torch.allclose(torch.softmax(logits, 1), module(x, no_output_bias=True), atol=1e-6), res
        ref = os.path.join(tmp, "ref.npz")
        run = lambda *a: subprocess.run([pfgm, *a, "--threads", "2"], check=True, capture_output=True, text=True).stdout
        run("fid", "ref", "--data", "fashion-mnist", "--max-images", "64", "--dest", ref, "--detector", pt)
        out = run("fid", "calc", "--images", "fashion-mnist", "--num", "64", "--ref", ref, "--detector", pt,
                  "--is", "1", "--json")
        j = json.loads(out)
        assert abs(j["fid"]) < 1e-6 and j["features"] == 32 and 1 <= j["is_mean"] <= 12, j
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
