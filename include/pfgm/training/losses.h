#pragma once
// Training objectives, per element (their sum over a sample is the paper's loss):
// PFGM++ (Xu et al. 2023, Eq. (8)) with EDM's σ distribution, weighting and preconditioning:
//   λ(σ)·‖D(y + n; σ) − y‖², n ~ p_r(·|0) with r = σ√D (D = ∞: n ~ N(0, σ²I));
// PFGM (Xu et al. 2022, Eq. (9)): ½‖v(x̃, z̃) − √N·Ê/(‖Ê‖ + γ)‖² over N+1 coordinates.
#include <vector>

#include <torch/types.h>

#include "pfgm/networks/model.h"
#include "pfgm/physics/noise_distribution.h"
#include "pfgm/physics/perturbation_kernel.h"
#include "pfgm/physics/pfgm_perturbation.h"

namespace pfgm::training {

struct PFGMPPLoss {
  physics::KernelOptions kernel;         // D and the optional official clip
  physics::SigmaDistribution sigma_dist; // ln σ ~ N(P_mean, P_std²)
  double sigma_data = 0.5;
  // Optional input weight g(x, σ) = 1/(1 + λ(σ)·σ_data²·max(0, ‖x‖² − ρ²)/ρ²), ρ = κ·√N·σ_data, on
  // the noisy input x = y + n (κ = 0: off, the official loss). It depends on (x, σ) only, so the
  // minimiser D(x; σ) = E[y | x] is unchanged; it keeps the loss variance finite for D ≤ 2, where
  // E[R²] = ∞ (BetaPrime(N/2, D/2) has no mean) and rare far inputs otherwise dominate the loss.
  double kappa = 0;
  // The network's training input: σ ~ p(σ) and x = y + n, n ~ p_r(·|0) (σ: [B] float32 on y's device).
  struct Perturbed {
    torch::Tensor x, sigma;
  };
  Perturbed perturb(const torch::Tensor& y, at::Generator& gen) const;
  // The same with one generator per item (gens[i] draws item i's σ and n alone).
  Perturbed perturb(const torch::Tensor& y, std::vector<at::Generator>& gens) const;
  // y [B, ...] on the model's device, optional one-hot labels and augment labels [B, 9]; returns
  // the loss per element [B, ...] (EDMLoss's shape). With `references` [M, ...] (whose first B are
  // y) the target is the stable target field over them instead of y (STF, spec 1.5).
  torch::Tensor operator()(networks::Model& net, const torch::Tensor& y, at::Generator& gen,
                           const torch::Tensor& labels = {}, const torch::Tensor& augment_labels = {},
                           const torch::Tensor& references = {}) const;
  // The loss at a given perturbation (y, its x and σ).
  torch::Tensor loss_at(networks::Model& net, const torch::Tensor& y, const Perturbed& p, const torch::Tensor& labels = {},
                        const torch::Tensor& augment_labels = {}, const torch::Tensor& references = {}) const;
};

struct PFGMLoss {
  physics::PFGMPerturbationOptions perturbation;
  double gamma = 5;
  // y_small [b, N] are perturbed; charges [L, N] (the large batch, including y_small) make the field.
  torch::Tensor operator()(networks::Model& net, const torch::Tensor& y_small, const torch::Tensor& charges,
                           at::Generator& gen) const;
};

}  // namespace pfgm::training
