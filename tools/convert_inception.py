#!/usr/bin/env python3
"""EDM's Inception-v3 feature detector (inception-2015-12-05.pkl, the one fid.py uses) as a
TorchScript file for `pfgm fid --detector`.

The pickle holds a regular PyTorch module called as detector(images, return_features=True) for the
2048 pool features and detector(images, no_output_bias=True) for the 1008 class probabilities of the
Inception Score; it takes uint8 NCHW images of any size and resizes them to 299x299 itself. This
script traces a module that returns both, (features, log-probabilities), which pfgm reads as
(features, logits). Unpickling needs the EDM (or PFGM++) repository on PYTHONPATH (its dnnlib and
torch_utils packages); no GPU.

  PYTHONPATH=~/src/edm python tools/convert_inception.py inception-2015-12-05.pkl inception-2015-12-05.pt

Features only, as one line:
  PYTHONPATH=~/src/edm python -c "import pickle, torch; d = pickle.load(open('inception-2015-12-05.pkl', 'rb')); \
torch.jit.trace(lambda x: d(x, return_features=True), torch.zeros(1, 3, 32, 32, dtype=torch.uint8)).save('inception.pt')"

Trace at a resolution other than 299 (the default 32): the traced graph then always resizes to the
detector's own input size, so it serves images of every resolution.
"""
import argparse
import pickle

import torch


class FeaturesAndLogits(torch.nn.Module):
    def __init__(self, detector):
        super().__init__()
        self.detector = detector

    def forward(self, images):
        features = self.detector(images, return_features=True)
        probs = self.detector(images, no_output_bias=True)
        return features, torch.log(probs.clamp_min(1e-30))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("pkl", help="inception-2015-12-05.pkl")
    p.add_argument("out", help="TorchScript file to write (.pt)")
    p.add_argument("--resolution", type=int, default=32, help="example resolution used for tracing")
    args = p.parse_args()
    with open(args.pkl, "rb") as f:
        detector = pickle.load(f)
    detector = detector.eval().requires_grad_(False).cpu()
    example = torch.zeros(2, 3, args.resolution, args.resolution, dtype=torch.uint8)
    traced = torch.jit.trace(FeaturesAndLogits(detector), example, check_trace=False)
    features, logits = traced(example)
    traced.save(args.out)
    print(f"{args.out}: features {tuple(features.shape[1:])}, logits {tuple(logits.shape[1:])}")


if __name__ == "__main__":
    main()
