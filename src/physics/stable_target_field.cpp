#include "pfgm/physics/stable_target_field.h"

#include <cmath>

#include "pfgm/physics/empirical_field.h"

namespace pfgm::physics {

torch::Tensor stf_target(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& references,
                         double D) {
  const auto q = x.to(torch::kFloat64).reshape({x.size(0), -1});
  const auto Y = references.to(q.device(), torch::kFloat64).reshape({references.size(0), -1});
  const auto s = sigma.to(q.device(), torch::kFloat64).reshape({-1});
  if (std::isinf(D)) {  // w = softmax_j(−‖x − Y_j‖²/(2σ²))
    const auto w = torch::softmax(-at::cdist(q, Y).square() / (2 * s.square()).unsqueeze(1), 1);
    return torch::mm(w, Y).reshape(x.sizes());
  }
  // The field's weights c_j at r = σ√D: E_x = Σ c_j (Y_j − x) and E_r = −(Σ c_j)·r, so
  // Σ c_j Y_j = E_x − (E_r/r)·x.
  const auto r = s * std::sqrt(D);
  const auto E = empirical_field(q, r, Y, D);
  const int64_t N = q.size(1);
  return (E.narrow(1, 0, N) - (E.select(1, N) / r).unsqueeze(1) * q).reshape(x.sizes());
}

}  // namespace pfgm::physics
