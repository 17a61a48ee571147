#include "pfgm/samplers/heun.h"

#include <algorithm>
#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::samplers {

torch::Tensor heun_sampler(const Denoiser& denoise, const torch::Tensor& latents, const std::vector<double>& t_steps,
                           const ChurnOptions& churn, core::SeedStreams* noise, Trajectory* trajectory) {
  PFGM_CHECK(t_steps.size() >= 2, "[heun] need at least one step");
  PFGM_CHECK((churn.S_churn <= 0 && churn.alpha <= 0) || noise,
             "[heun] S_churn > 0 and noise injection need per-sample noise streams");
  const int n = static_cast<int>(t_steps.size()) - 1;
  const auto opts = latents.options().dtype(torch::kFloat64);
  auto scalar = [&](double v) { return torch::scalar_tensor(v, opts); };
  auto x_next = latents.to(torch::kFloat64);
  if (trajectory) trajectory->t.push_back(t_steps[0]), trajectory->x.push_back(x_next.cpu());
  for (int i = 0; i < n; ++i) {
    const double t_cur = t_steps[i], t_next = t_steps[i + 1];
    auto x_cur = x_next;
    if (churn.alpha > 0) x_cur = x_cur + churn.alpha * t_cur * noise->randn(x_cur.sizes().slice(1), opts);

    // Increase noise temporarily.
    const bool churn_here = churn.S_churn > 0 && churn.S_min <= t_cur && t_cur <= churn.S_max;
    const double gamma = churn_here ? std::min(churn.S_churn / n, std::sqrt(2.0) - 1) : 0.0;
    const double t_hat = t_cur + gamma * t_cur;
    auto x_hat = x_cur;
    if (gamma > 0) {
      auto eps = noise->randn(x_cur.sizes().slice(1), opts);
      x_hat = x_cur + std::sqrt(t_hat * t_hat - t_cur * t_cur) * churn.S_noise * eps;
    }

    // Euler step.
    const auto d_cur = (x_hat - denoise(x_hat, scalar(t_hat))) / t_hat;
    x_next = x_hat + (t_next - t_hat) * d_cur;

    // Apply 2nd-order correction.
    if (i < n - 1) {
      const auto d_prime = (x_next - denoise(x_next, scalar(t_next))) / t_next;
      x_next = x_hat + (t_next - t_hat) * (0.5 * d_cur + 0.5 * d_prime);
    }
    if (trajectory) trajectory->t.push_back(t_next), trajectory->x.push_back(x_next.cpu());
  }
  return x_next;
}

}  // namespace pfgm::samplers
