#pragma once
// Likelihood by the instantaneous change of variables (Chen et al. 2018, Thm. 1; Song et al. 2021,
// App. D.2) along the probability-flow ODE, spec 7.7: log p(x) = log p_prior(x(end)) + ∫ div f,
// with f the PFGM++/EDM σ-ODE dx/dσ = (x − D(x; σ))/σ (Xu et al. 2023, Sec. 4; Karras et al. 2022,
// Eq. (1)) or PFGM's z-ODE dx/dz = v_x/v_z (Xu et al. 2022, Eq. (7)), integrated forward from the
// data by RK45 on the state [x, Δlog p]; div f exact (N backward passes) or by the Hutchinson–Skilling
// estimator εᵀ∂(f·ε)/∂x with one fixed probe per sample. Images: bits/dim of uniformly dequantised data.
#include <functional>
#include <string>

#include <torch/types.h>

#include "pfgm/samplers/denoiser.h"
#include "pfgm/samplers/pfgm_ode.h"

namespace pfgm::networks {
class Model;
}

namespace pfgm::eval {

enum class Probe { Rademacher, Gaussian };  // ε with independent ±1 entries, or N(0, I)
Probe parse_probe(const std::string& name);  // "rademacher" | "gaussian" (--probe)
std::string to_string(Probe p);

// log p at the far end of the ODE (σ_max or z_max) for states x [B, ...] float64; returns [B].
using LogDensity = std::function<torch::Tensor(const torch::Tensor& x)>;

struct LikelihoodOptions {
  double rtol = 1e-5;                 // RK45 relative tolerance (--rtol)
  double atol = 1e-5;                 // RK45 absolute tolerance (--atol)
  int64_t max_steps = 20000;          // RK45 steps per sample before giving up
  Probe probe = Probe::Rademacher;    // Hutchinson–Skilling probe law (--probe)
  bool exact_trace = false;           // exact divergence, one backward pass per coordinate (small N)
  double sigma_min = 0;               // σ-ODE start at the data (0: the model's sigma_min)
  double sigma_max = 0;               // σ-ODE end, the prior's σ (0: the model's sigma_max)
  double z_min = 0, z_max = 0;        // PFGM z-ODE range (0: the model's)
  double z_exp = -1;                  // PFGM: v_z from ‖v_x‖ below z_exp (spec 7.5); 0 = off, < 0 the model's
  LogDensity terminal_log_density;    // log p at σ_max (z_max); empty: the exact prior (physics/prior_density.h)
  uint64_t seed = 0;                  // probes and dequantisation noise, one stream per sample index (--seed)
};

struct LikelihoodResult {
  torch::Tensor log_p;           // [B] log p(x) in nats (float64, CPU)
  torch::Tensor prior_log_p;     // [B] log p_prior(latent)
  torch::Tensor delta_log_p;     // [B] ∫ div f along the path; log_p = prior_log_p + delta_log_p
  torch::Tensor latent;          // [B, ...] the state at σ_max (z_max), float64 on the CPU
  int64_t nfe = 0;               // right-hand-side evaluations of the batch: a forward and a backward pass each
  torch::Tensor nfe_per_sample;  // [B] int64: evaluations while each sample was still integrating
};

// ---- ODE likelihoods over differentiable callbacks (float64 in and out, gradients kept) ----

// Probes ε [B, sample_shape...] float64 on the CPU; row b is drawn from the stream of sample
// index first_index + b, so it does not depend on the batch.
torch::Tensor draw_probes(Probe probe, int64_t B, at::IntArrayRef sample_shape, uint64_t seed, int64_t first_index = 0);

// PFGM++ (any D) and EDM: x [B, ...] at σ_min, integrated in ln σ up to σ_max; `terminal` is
// log p_{σ_max}. Sample b uses the probe of index first_index + b.
LikelihoodResult sigma_ode_likelihood(const samplers::Denoiser& denoiser, const torch::Tensor& x, double sigma_min,
                                      double sigma_max, const LogDensity& terminal, const LikelihoodOptions& o,
                                      int64_t first_index = 0);

// PFGM: x [B, N] at z = ode.z_min, integrated in ln z up to ode.z_max (the exact ratio v_x/v_z;
// ode.z_exp > 0 applies the z substitution of spec 7.5 with ode.gamma); `terminal` is log p there.
LikelihoodResult pfgm_ode_likelihood(const samplers::FieldFn& field, const torch::Tensor& x,
                                     const samplers::PFGMODEOptions& ode, const LogDensity& terminal,
                                     const LikelihoodOptions& o, int64_t first_index = 0);

// ---- models and images ----

// log p(x) under a model, x [B, ...] in its data space (images in [−1, 1]): the σ-ODE for EDM /
// PFGM++ models, the z-ODE for PFGM ones, ranges and prior from the model unless `o` sets them.
// class_labels: one-hot [B, label_dim] for conditional models.
LikelihoodResult log_likelihood(networks::Model& model, const torch::Tensor& x, const LikelihoodOptions& o,
                                const torch::Tensor& class_labels = {}, int64_t first_index = 0);

// Uniform dequantisation of uint8 images [B, ...]: x = (U + k)/256 ∈ [0, 1], returned as 2x − 1,
// float64; U of image b from the stream of index first_index + b.
torch::Tensor dequantize(const torch::Tensor& images, uint64_t seed, int64_t first_index = 0);

// bits/dim = −log p/(N·ln 2) + 7 for log p of data in [−1, 1] from 256 levels (spec 7.7).
torch::Tensor bits_per_dim(const torch::Tensor& log_p, int64_t N);

struct BitsPerDim {
  torch::Tensor bpd;              // [n] per image, float64
  double mean = 0;                // mean bits/dim
  double standard_error = 0;      // its standard error, std/√n (0 for one image)
  double mean_nfe = 0;            // right-hand-side evaluations per batch, averaged over batches
};

// Bits/dim of uint8 images [n, C, H, W] under an image model, `batch` images at a time; labels
// (int64 [n]) for conditional models. progress(done, total) after each batch.
BitsPerDim image_bits_per_dim(networks::Model& model, const torch::Tensor& images, const LikelihoodOptions& o,
                              int64_t batch = 16, const torch::Tensor& labels = {},
                              const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace pfgm::eval
