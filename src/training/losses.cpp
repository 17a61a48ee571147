#include "pfgm/training/losses.h"

#include <torch/types.h>

#include "pfgm/physics/empirical_field.h"
#include "pfgm/physics/preconditioning.h"
#include "pfgm/physics/stable_target_field.h"

namespace pfgm::training {

PFGMPPLoss::Perturbed PFGMPPLoss::perturb(const torch::Tensor& y, at::Generator& gen) const {
  const int64_t B = y.size(0);
  const auto sigma = physics::sample_sigma(B, sigma_dist, gen);                          // [B] float64
  const auto n = physics::sample_perturbation(sigma, y.sizes().slice(1), kernel, gen);  // [B, ...] float64
  return {y + n.to(y.device(), torch::kFloat32), sigma.to(y.device(), torch::kFloat32)};
}

PFGMPPLoss::Perturbed PFGMPPLoss::perturb(const torch::Tensor& y, std::vector<at::Generator>& gens) const {
  std::vector<torch::Tensor> sigmas, noises;
  for (int64_t i = 0; i < y.size(0); ++i) {
    auto& gen = gens.at(static_cast<size_t>(i));
    sigmas.push_back(physics::sample_sigma(1, sigma_dist, gen));
    noises.push_back(physics::sample_perturbation(sigmas.back(), y.sizes().slice(1), kernel, gen));
  }
  const auto sigma = torch::cat(sigmas), n = torch::cat(noises);
  return {y + n.to(y.device(), torch::kFloat32), sigma.to(y.device(), torch::kFloat32)};
}

torch::Tensor PFGMPPLoss::operator()(networks::Model& net, const torch::Tensor& y, at::Generator& gen,
                                     const torch::Tensor& labels, const torch::Tensor& augment_labels,
                                     const torch::Tensor& references) const {
  return loss_at(net, y, perturb(y, gen), labels, augment_labels, references);
}

torch::Tensor PFGMPPLoss::loss_at(networks::Model& net, const torch::Tensor& y, const Perturbed& p, const torch::Tensor& labels,
                                  const torch::Tensor& augment_labels, const torch::Tensor& references) const {
  const int64_t B = y.size(0);
  const auto& x = p.x;
  const auto& sigma_dev = p.sigma;
  const auto D_yn = net.denoise(x, sigma_dev, labels, augment_labels);
  auto weight = physics::edm_loss_weight(sigma_dev, sigma_data);                         // λ(σ)
  if (kappa > 0) {
    // g(x, σ) = 1/(1 + λ(σ)·σ_data²·max(0, ‖x‖² − ρ²)/ρ²), ρ = κ·√N·σ_data: 1 inside the data's ball.
    const double rho2 = kappa * kappa * static_cast<double>(y[0].numel()) * sigma_data * sigma_data;
    const auto excess = (x.pow(2).reshape({B, -1}).sum(1) - rho2).clamp_min(0) / rho2;
    weight = weight / (1 + weight * (sigma_data * sigma_data) * excess);
  }
  std::vector<int64_t> per_sample(y.dim(), 1);
  per_sample[0] = B;
  torch::Tensor target = y;
  if (references.defined()) {
    at::NoGradGuard no_grad;
    target = physics::stf_target(x, sigma_dev, references, kernel.D).to(y.device(), torch::kFloat32);
  }
  return weight.reshape(per_sample) * (D_yn - target).pow(2);
}

torch::Tensor PFGMLoss::operator()(networks::Model& net, const torch::Tensor& y_small, const torch::Tensor& charges,
                                   at::Generator& gen) const {
  const int64_t N = y_small[0].numel();
  // The draws on the CPU generator, the field (float64) where the charges are.
  const auto device = y_small.device();
  const auto p = physics::pfgm_perturb(y_small.reshape({y_small.size(0), -1}).cpu(), perturbation, gen);
  const auto x = p.x.to(device), z = p.z.to(device);
  torch::Tensor target;
  {
    at::NoGradGuard no_grad;
    const auto E = physics::empirical_field(x, z, charges.reshape({charges.size(0), -1}));
    target = physics::normalize_field(E, N, gamma).to(torch::kFloat32);
  }
  const auto pred = net.field(x.to(torch::kFloat32), z);
  return 0.5 * (pred - target).pow(2);
}

}  // namespace pfgm::training
