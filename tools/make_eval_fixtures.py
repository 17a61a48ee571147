#!/usr/bin/env python3
"""Writes the evaluation test fixtures in tests/fixtures/eval/ with numpy, scipy and PyTorch:

  numpy_stats.npz       np.savez(mu=float64 [6], sigma=float64 [6, 6]), as fid.py writes a reference
  numpy_images.npz      np.savez(x=uint8 [5, 8, 8, 3]), as generate.py --npz would hold images
  tiny_detector.pt      a TorchScript detector with the Inception detector's calling convention:
                        forward(img uint8 NCHW, return_features=False, use_fp16=False,
                        no_output_bias=False) -> features [B, 16] or class probabilities [B, 10]
  tuple_detector.pt     forward(img) -> (features [B, 16], logits [B, 10])
  wide_detector.pt      forward(img) -> features [B, 7] (the wrong width for numpy_stats-like refs)
  expected.npz          inputs and outputs the C++ tests must reproduce: detector features and probs
                        of `images`, FID of two feature sets (scipy.linalg.sqrtm), KID (all rows, one
                        subset), Inception Score (10 splits), and numpy RandomState shuffles.

Run from the repository root with a Python that has numpy, scipy and torch:
  python tools/make_eval_fixtures.py
"""
import os

import numpy as np
import scipy.linalg
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "eval")


class TinyDetector(torch.nn.Module):
    """Mean-pools uint8 images to 4x4, then a linear map to 16 features and a 10-class head."""

    def __init__(self, width: int = 16):
        super().__init__()
        g = torch.Generator().manual_seed(1)
        self.proj = torch.nn.Parameter(torch.randn(3 * 4 * 4, width, generator=g) / 48.0)
        self.head = torch.nn.Parameter(torch.randn(width, 10, generator=g) / 4.0)
        self.bias = torch.nn.Parameter(torch.randn(10, generator=g))

    def features(self, img: torch.Tensor) -> torch.Tensor:
        x = img.to(torch.float32) / 255.0
        x = torch.nn.functional.adaptive_avg_pool2d(x, [4, 4])
        return torch.tanh(x.reshape(x.shape[0], -1) @ self.proj) * 10.0

    def forward(self, img: torch.Tensor, return_features: bool = False, use_fp16: bool = False,
                no_output_bias: bool = False) -> torch.Tensor:
        f = self.features(img)
        if return_features:
            return f
        logits = f @ self.head
        if not no_output_bias:
            logits = logits + self.bias
        return torch.softmax(logits, dim=1)


class TupleDetector(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = TinyDetector()

    def forward(self, img: torch.Tensor):
        f = self.inner.features(img)
        return f, f @ self.inner.head


class WideDetector(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = TinyDetector(width=7)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return self.inner.features(img)


def kid_one_subset(real, gen):
    """StyleGAN's kernel_inception_distance with one subset of all min(n) rows."""
    n = real.shape[1]
    m = min(real.shape[0], gen.shape[0])
    x, y = gen[:m], real[:m]
    a = (x @ x.T / n + 1) ** 3 + (y @ y.T / n + 1) ** 3
    b = (x @ y.T / n + 1) ** 3
    return ((a.sum() - np.diag(a).sum()) / (m - 1) - b.sum() * 2 / m) / m


def inception_score(probs, num_splits=10):
    scores = []
    n = probs.shape[0]
    for i in range(num_splits):
        part = probs[i * n // num_splits:(i + 1) * n // num_splits]
        kl = part * (np.log(part) - np.log(np.mean(part, axis=0, keepdims=True)))
        scores.append(np.exp(np.mean(np.sum(kl, axis=1))))
    return float(np.mean(scores)), float(np.std(scores))


def main():
    os.makedirs(OUT, exist_ok=True)
    rs = np.random.RandomState(0)
    mu = rs.randn(6)
    A = rs.randn(6, 6)
    np.savez(os.path.join(OUT, "numpy_stats.npz"), mu=mu, sigma=A @ A.T)
    np.savez(os.path.join(OUT, "numpy_images.npz"), x=rs.randint(0, 256, size=(5, 8, 8, 3)).astype(np.uint8))

    torch.jit.script(TinyDetector()).save(os.path.join(OUT, "tiny_detector.pt"))
    torch.jit.script(TupleDetector()).save(os.path.join(OUT, "tuple_detector.pt"))
    torch.jit.script(WideDetector()).save(os.path.join(OUT, "wide_detector.pt"))

    det = TinyDetector()
    images = torch.from_numpy(rs.randint(0, 256, size=(4, 3, 12, 12)).astype(np.uint8))
    with torch.no_grad():
        features = det(images, return_features=True).double().numpy()
        probs = det(images, no_output_bias=True).double().numpy()

    # Feature sets with different means and correlated covariances.
    feat_a = rs.randn(300, 16) @ rs.randn(16, 16) * 0.3
    feat_b = rs.randn(200, 16) @ rs.randn(16, 16) * 0.3 + 0.2
    mu_a, mu_b = feat_a.mean(0), feat_b.mean(0)
    sig_a, sig_b = np.cov(feat_a, rowvar=False), np.cov(feat_b, rowvar=False)
    s, _ = scipy.linalg.sqrtm(sig_a @ sig_b, disp=False)
    fid = float(np.real(np.square(mu_a - mu_b).sum() + np.trace(sig_a + sig_b - s * 2)))
    kid = kid_one_subset(feat_a, feat_b)
    logits = rs.randn(100, 10) * 2
    is_probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    is_mean, is_std = inception_score(is_probs)

    shuffles = {}
    for n, seed in [(10, 0), (1000, 123), (50, 4294967295)]:
        x = np.arange(n)
        np.random.RandomState(seed).shuffle(x)
        shuffles[f"shuffle_{n}_{seed}"] = x.astype(np.int64)

    np.savez(os.path.join(OUT, "expected.npz"), images=images.numpy(), features=features, probs=probs,
             feat_a=feat_a, feat_b=feat_b, fid=np.array([fid]), kid=np.array([kid]), is_probs=is_probs,
             is_mean=np.array([is_mean]), is_std=np.array([is_std]), **shuffles)
    print("wrote", OUT, "fid", fid, "kid", kid, "is", is_mean, is_std)


if __name__ == "__main__":
    main()
