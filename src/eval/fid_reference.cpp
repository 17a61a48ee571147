#include "pfgm/eval/fid_reference.h"

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/npy.h"

namespace pfgm::eval {

void write_fid_reference(const std::string& path, const FIDReference& ref) {
  io::NamedArrays arrays{{"mu", ref.stats.mu.to(torch::kCPU, torch::kFloat64)},
                         {"sigma", ref.stats.sigma.to(torch::kCPU, torch::kFloat64)}};
  if (ref.features.defined()) arrays.push_back({"features", ref.features.to(torch::kCPU, torch::kFloat64)});
  io::write_npz(path, arrays);
}

FIDReference read_fid_reference(const std::string& path) {
  FIDReference ref;
  for (auto& [key, array] : io::read_npz(path)) {
    if (key == "mu") ref.stats.mu = array;
    else if (key == "sigma") ref.stats.sigma = array;
    else if (key == "features") ref.features = array;
  }
  PFGM_CHECK(ref.stats.mu.defined() && ref.stats.sigma.defined(), "[ref] ", path,
             ": expected the keys 'mu' and 'sigma' (a reference from pfgm fid ref or EDM's fid.py ref)");
  const auto& mu = ref.stats.mu;
  const auto& sigma = ref.stats.sigma;
  PFGM_CHECK(mu.scalar_type() == torch::kFloat64 && mu.dim() == 1 && mu.size(0) > 0, "[ref] ", path,
             ": 'mu' is ", mu.scalar_type(), " ", mu.sizes(), ", expected float64 [F]");
  const int64_t F = mu.size(0);
  PFGM_CHECK(sigma.scalar_type() == torch::kFloat64 && sigma.dim() == 2 && sigma.size(0) == F && sigma.size(1) == F,
             "[ref] ", path, ": 'sigma' is ", sigma.scalar_type(), " ", sigma.sizes(), ", expected float64 [", F, ", ",
             F, "]");
  PFGM_CHECK(torch::isfinite(mu).all().item<bool>() && torch::isfinite(sigma).all().item<bool>(), "[ref] ", path,
             ": 'mu' or 'sigma' holds non-finite values");
  if (ref.features.defined())
    PFGM_CHECK(ref.features.scalar_type() == torch::kFloat64 && ref.features.dim() == 2 && ref.features.size(1) == F,
               "[ref] ", path, ": 'features' is ", ref.features.scalar_type(), " ", ref.features.sizes(),
               ", expected float64 [n, ", F, "]");
  return ref;
}

}  // namespace pfgm::eval
