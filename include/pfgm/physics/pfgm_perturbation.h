#pragma once
// PFGM (Xu et al. 2022), Sec. 3.2 / App. B.1: training points in the augmented space R^(N+1):
// a data point y is moved to (y + ‖ε‖·σ·(1+τ)^m·u, |ε_z|·σ·(1+τ)^m), m ~ U[0, M), so the queries
// cover the space from next to the data to far away (spec 7.1).
#include <torch/types.h>

namespace pfgm::physics {

struct PFGMPerturbationOptions {
  double tau = 0.03;        // τ, growth rate of the perturbation scale
  double sigma_end = 0.01;  // σ, the smallest perturbation scale
  double M = 291;           // m ~ U[0, M)
  bool restrict_M = true;   // m ~ U[0, 0.7·M) for samples with z0 < 0.005
};

struct AugmentedPoints {
  torch::Tensor x;  // [B, N] float64
  torch::Tensor z;  // [B]    float64, > 0
};

// Perturbs y [B, N] (any float dtype; computed in float64 on the CPU).
AugmentedPoints pfgm_perturb(const torch::Tensor& y, const PFGMPerturbationOptions& options, at::Generator& gen);

// PFGM, App. B.2 (hyper-parameters.py): from the data's mean squared norm,
// M = ⌊0.75·ln(‖x‖²_avg/(2√N·σ²))/ln(1+τ)⌋ + 1, z_max = sqrt(2/π)·σ·(1+τ)^M, upper_norm = √N·σ·(1+τ)^M.
struct PFGMHyperparameters {
  double M, z_max, upper_norm;
};
PFGMHyperparameters pfgm_hyperparameters(double mean_sq_norm, int64_t N, double sigma_end = 0.01, double tau = 0.03);

// The smallest M whose largest perturbations reach the augmented radius ρ: the perturbation at
// m has the typical norm σ·(1+τ)^m·sqrt(N+1) (‖(ε, ε_z)‖ ≈ sqrt(N+1)), so M = ⌈ln(ρ/(σ·sqrt(N+1)))/ln(1+τ)⌉.
double pfgm_M_reaching(double rho, int64_t N, double sigma_end = 0.01, double tau = 0.03);

// M for a prior truncated at R ≤ k_q·z_max (radius quantile q): at least `M`, and enough for the
// perturbations to reach the prior's farthest points, at the augmented radius z_max·sqrt(1 + k_q²).
double pfgm_M_for_prior(double M, double z_max, double radius_quantile, int64_t N, double sigma_end = 0.01,
                        double tau = 0.03);

// z_exp for new data: z_max/8, CIFAR-10's official ratio (5 of 40; spec 7.6).
inline double pfgm_z_exp(double z_max) { return z_max / 8; }

}  // namespace pfgm::physics
