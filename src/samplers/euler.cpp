#include "pfgm/samplers/euler.h"

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::samplers {

torch::Tensor euler_sampler(const Denoiser& denoise, const torch::Tensor& latents, const std::vector<double>& t_steps,
                            Trajectory* trajectory) {
  PFGM_CHECK(t_steps.size() >= 2, "[euler] need at least one step");
  const auto opts = latents.options().dtype(torch::kFloat64);
  auto x = latents.to(torch::kFloat64);
  if (trajectory) trajectory->t.push_back(t_steps[0]), trajectory->x.push_back(x.cpu());
  for (size_t i = 0; i + 1 < t_steps.size(); ++i) {
    const double t_cur = t_steps[i], t_next = t_steps[i + 1];
    const auto d_cur = (x - denoise(x, torch::scalar_tensor(t_cur, opts))) / t_cur;  // dx/dσ
    x = x + (t_next - t_cur) * d_cur;
    if (trajectory) trajectory->t.push_back(t_next), trajectory->x.push_back(x.cpu());
  }
  return x;
}

}  // namespace pfgm::samplers
