#pragma once
// Dormand–Prince RK5(4) with adaptive steps (Dormand & Prince 1980; the RK45 of SciPy's solve_ivp
// that PFGM samples with, spec 7.5). Every sample keeps its own t, step size and error control,
// so a sample's path depends only on itself, never on the batch it shares.
#include <functional>

#include <torch/types.h>

namespace pfgm::samplers {

// dy/dt at per-sample times t [B] (float64) and states y [B, ...] (float64).
using OdeRhs = std::function<torch::Tensor(const torch::Tensor& t, const torch::Tensor& y)>;

struct RK45Options {
  double rtol = 1e-4;      // relative tolerance (PFGM's sampling default)
  double atol = 1e-4;      // absolute tolerance
  int64_t max_steps = 20000;   // per-sample accepted + rejected steps before giving up
};

struct RK45Result {
  torch::Tensor y;          // state at t1
  int64_t nfe = 0;          // right-hand-side evaluations of the batch
  torch::Tensor nfe_per_sample;  // [B] int64: evaluations while each sample was still integrating
  int64_t accepted = 0, rejected = 0;  // summed over samples
};

// Integrates y from t0 to t1 (either direction).
RK45Result solve_rk45(const OdeRhs& f, const torch::Tensor& y0, double t0, double t1, const RK45Options& options = {});

}  // namespace pfgm::samplers
