#include "pfgm/physics/empirical_field.h"

#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::physics {

namespace {
struct Distances {
  torch::Tensor x, z, Y, d;  // float64; d [B, L] = ‖x̃ − ỹ_j‖
};

Distances augmented_distances(const torch::Tensor& x, const torch::Tensor& z, const torch::Tensor& charges) {
  Distances s;
  s.x = x.to(torch::kFloat64).reshape({x.size(0), -1});
  s.z = z.to(s.x.device(), torch::kFloat64).reshape({-1});
  s.Y = charges.to(s.x.device(), torch::kFloat64).reshape({charges.size(0), -1});
  PFGM_CHECK(s.x.size(1) == s.Y.size(1), "[field] queries have N = ", s.x.size(1), ", charges have N = ", s.Y.size(1));
  PFGM_CHECK(s.z.size(0) == s.x.size(0), "[field] ", s.x.size(0), " queries but ", s.z.size(0), " z values");
  // ‖x̃ − ỹ‖² = ‖x − y‖² + z² (charges sit at z = 0), with ‖x − y‖² = ‖x‖² + ‖y‖² − 2·x·y as one
  // matrix product: in float64 its rounding (~1e−16·‖x‖²) stays far below the distances that matter.
  const auto dx2 = (s.x.square().sum(1, true) + s.Y.square().sum(1).unsqueeze(0) - 2 * torch::mm(s.x, s.Y.t())).clamp_min(0);
  s.d = torch::sqrt(dx2 + (s.z * s.z).unsqueeze(1));
  return s;
}

torch::Tensor combine(const Distances& s, const torch::Tensor& c) {  // Σ_j c_j (ỹ_j − x̃)
  const auto total = c.sum(1, true);
  const auto E_x = torch::mm(c, s.Y) - total * s.x;
  const auto E_z = -total.squeeze(1) * s.z;
  return torch::cat({E_x, E_z.unsqueeze(1)}, 1);
}
}  // namespace

torch::Tensor empirical_field(const torch::Tensor& x, const torch::Tensor& z, const torch::Tensor& charges,
                             double D) {
  const auto s = augmented_distances(x, z, charges);
  const double power = static_cast<double>(s.x.size(1)) + D;                 // N + D
  const auto ratio = std::get<0>(s.d.min(1, true)) / (s.d + 1e-7);           // min_k d_k / (d_j + 1e−7)
  const auto w = torch::exp(power * torch::log(ratio));                       // ratio^(N+D)
  const auto c = w / (w.sum(1, true) + 1e-7);
  return combine(s, c);
}

torch::Tensor normalize_field(const torch::Tensor& E, int64_t N, double gamma) {
  return std::sqrt(static_cast<double>(N)) * E / (E.norm(2, {1}, true) + gamma);  // √N·E/(‖E‖ + γ)
}

torch::Tensor coulomb_field(const torch::Tensor& x, const torch::Tensor& z, const torch::Tensor& charges,
                            double* log_scale) {
  const auto s = augmented_distances(x, z, charges);
  const double N = static_cast<double>(s.x.size(1));
  const double L = static_cast<double>(s.Y.size(0));
  // ln S_N(1) = ln 2 + ((N+1)/2)·ln π − lnΓ((N+1)/2).
  const double log_area = std::log(2.0) + 0.5 * (N + 1) * std::log(M_PI) - std::lgamma(0.5 * (N + 1));
  const auto log_w = -(N + 1) * torch::log(s.d);                 // ln ‖x̃ − ỹ_j‖^−(N+1)
  const double shift = log_w.max().item<double>();
  const auto w = torch::exp(log_w - shift);
  const double scale = shift - log_area - std::log(L);
  if (log_scale) *log_scale = scale;
  const auto F = -combine(s, w);                                 // Σ_j w_j (x̃ − ỹ_j)
  return log_scale ? F : F * std::exp(scale);
}

}  // namespace pfgm::physics
