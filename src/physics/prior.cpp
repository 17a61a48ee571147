#include "pfgm/physics/prior.h"

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/physics/perturbation_kernel.h"

namespace pfgm::physics {

torch::Tensor sample_pfgmpp_prior(const std::vector<int64_t>& seeds, at::IntArrayRef sample_shape, double sigma_max,
                                  double D, double radius_quantile) {
  PFGM_CHECK(sigma_max > 0, "[prior] sigma_max must be > 0, got ", sigma_max);
  core::SeedStreams streams(seeds);
  std::vector<torch::Tensor> rows;
  rows.reserve(seeds.size());
  const auto sigma = torch::full({1}, sigma_max, torch::kFloat64);
  for (int64_t b = 0; b < streams.size(); ++b)
    rows.push_back(sample_perturbation(sigma, sample_shape, KernelOptions{D, false, radius_quantile}, streams[b]));
  return torch::cat(rows);
}

torch::Tensor sample_pfgm_prior(const std::vector<int64_t>& seeds, int64_t N, const PFGMPriorOptions& options) {
  PFGM_CHECK(options.z_max > 0, "[prior] z_max must be > 0, got ", options.z_max);
  // D = 1 and σ = z_max give r = z_max: R²/z_max² ~ BetaPrime(N/2, 1/2) (spec 7.4).
  auto x = sample_pfgmpp_prior(seeds, {N}, options.z_max, 1.0, options.radius_quantile);
  if (!options.upper_norm) return x;
  const auto R = x.norm(2, {1}, true);
  return x / R * torch::clamp(R, 1.0, *options.upper_norm);
}

}  // namespace pfgm::physics
