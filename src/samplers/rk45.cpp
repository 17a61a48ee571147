#include "pfgm/samplers/rk45.h"

#include <array>
#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::samplers {

namespace {
// Butcher tableau of Dormand–Prince 5(4).
constexpr std::array<double, 7> C{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
constexpr double A[6][6] = {
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
};
// 5th-order weights are A[5]; E = b5 − b4 gives the local error estimate.
constexpr std::array<double, 7> E{-71.0 / 57600, 0, 71.0 / 16695, -71.0 / 1920, 17253.0 / 339200, -22.0 / 525, 1.0 / 40};

torch::Tensor per_sample(const torch::Tensor& v, const torch::Tensor& like) {  // [B] → [B, 1, ...]
  std::vector<int64_t> shape(like.dim(), 1);
  shape[0] = v.size(0);
  return v.reshape(shape);
}

torch::Tensor rms(const torch::Tensor& v) {  // per-sample root mean square
  return v.reshape({v.size(0), -1}).pow(2).mean(1).sqrt();
}
}  // namespace

RK45Result solve_rk45(const OdeRhs& f, const torch::Tensor& y0, double t0, double t1, const RK45Options& o) {
  PFGM_CHECK(o.rtol > 0 && o.atol > 0, "[rk45] tolerances must be positive, got rtol ", o.rtol, ", atol ", o.atol);
  RK45Result res;
  auto y = y0.to(torch::kFloat64);
  const int64_t B = y.size(0);
  const auto opts = y.options();
  res.nfe_per_sample = torch::zeros({B}, torch::kInt64);
  const double dir = t1 >= t0 ? 1.0 : -1.0;
  const double span = std::abs(t1 - t0);
  auto t = torch::full({B}, t0, opts);
  if (span == 0) {
    res.y = y;
    return res;
  }
  auto active = torch::ones({B}, opts.dtype(torch::kBool));
  auto eval = [&](const torch::Tensor& tt, const torch::Tensor& yy) {
    ++res.nfe;
    res.nfe_per_sample += active.to(torch::kCPU, torch::kInt64);
    return f(tt, yy).to(torch::kFloat64);
  };

  // Initial step size (Hairer, Nørsett & Wanner, Sec. II.4), per sample.
  auto k1 = eval(t, y);
  auto scale = o.atol + y.abs() * o.rtol;
  const auto d0 = rms(y / scale), d1 = rms(k1 / scale);
  auto h0 = torch::where((d0 < 1e-5) | (d1 < 1e-5), torch::full_like(d0, 1e-6), 0.01 * d0 / d1).clamp_max(span);
  const auto k_probe = eval(t + dir * h0, y + dir * per_sample(h0, y) * k1);
  const auto d2 = rms((k_probe - k1) / scale) / h0;
  const auto dmax = torch::maximum(d1, d2);
  auto h1 = torch::where(dmax <= 1e-15, torch::clamp_min(h0 * 1e-3, 1e-6), torch::pow(0.01 / dmax, 1.0 / 5));
  auto h = torch::minimum(100 * h0, h1).clamp_max(span);

  for (int64_t step = 0; active.any().item<bool>(); ++step) {
    PFGM_CHECK(step < o.max_steps, "[rk45] no convergence after ", o.max_steps, " steps; loosen --rtol/--atol");
    const auto remaining = (t1 - t).abs();
    h = torch::where(active, torch::minimum(h, remaining), torch::zeros_like(h));
    const auto hs = per_sample(h * dir, y);
    std::array<torch::Tensor, 7> K;
    K[0] = k1;
    for (int s = 1; s <= 6; ++s) {
      auto dy = torch::zeros_like(y);
      for (int j = 0; j < s; ++j)
        if (A[s - 1][j] != 0) dy = dy + A[s - 1][j] * K[j];
      const auto y_stage = y + hs * dy;
      if (s == 6) {
        K[6] = eval(t + h * dir, y_stage);  // FSAL: the derivative at the new point
        auto err = torch::zeros_like(y);
        for (int j = 0; j < 7; ++j)
          if (E[j] != 0) err = err + E[j] * K[j];
        err = hs * err;
        scale = o.atol + torch::maximum(y.abs(), y_stage.abs()) * o.rtol;
        const auto err_norm = rms(err / scale);
        const auto accept = active & (err_norm <= 1);
        const auto reject = active & ~accept;
        res.accepted += accept.sum().item<int64_t>();
        res.rejected += reject.sum().item<int64_t>();
        // Step-size update, safety 0.9, growth within [0.2, 10] (no growth after a rejection).
        auto factor = (0.9 * torch::pow(err_norm, -1.0 / 5)).clamp(0.2, 10.0);
        factor = torch::where(err_norm == 0, torch::full_like(factor, 10.0), factor);
        factor = torch::where(reject, factor.clamp_max(1.0), factor);
        const auto a = per_sample(accept, y);
        y = torch::where(a, y_stage, y);
        k1 = torch::where(a, K[6], k1);
        const auto reached = accept & (h >= remaining);
        t = torch::where(reached, torch::full_like(t, t1), torch::where(accept, t + h * dir, t));
        active = active & ~reached;
        h = h * factor;
      } else {
        K[s] = eval(t + C[s] * h * dir, y_stage);
      }
    }
  }
  res.y = y;
  return res;
}

}  // namespace pfgm::samplers
