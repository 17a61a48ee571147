#include "pfgm/data/infinite_sampler.h"

#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::data {

InfiniteSampler::InfiniteSampler(int64_t n, at::Generator& gen, double window_frac) {
  PFGM_CHECK(n > 0, "[data] the dataset is empty");
  order_ = at::randperm(n, gen, torch::kInt64);
  window_ = static_cast<int64_t>(std::lround(window_frac * static_cast<double>(n)));
}

torch::Tensor InfiniteSampler::next(int64_t count, at::Generator& gen) {
  PFGM_CHECK(order_.defined(), "[data] sampler used before it was built");
  const int64_t n = order_.size(0);
  auto out = torch::empty({count}, torch::kInt64);
  // One swap offset per index, drawn together: offset ∈ [0, window).
  const auto offsets = window_ >= 2 ? at::randint(window_, {count}, gen, torch::kInt64) : torch::zeros({count}, torch::kInt64);
  auto* order = order_.data_ptr<int64_t>();
  const auto* off = offsets.data_ptr<int64_t>();
  auto* o = out.data_ptr<int64_t>();
  for (int64_t k = 0; k < count; ++k) {
    const int64_t i = position_;
    o[k] = order[i];
    if (window_ >= 2) std::swap(order[i], order[((i - off[k]) % n + n) % n]);
    position_ = (i + 1) % n;
  }
  return out;
}

torch::Tensor InfiniteSampler::state() const {
  return torch::cat({order_, torch::tensor({position_, window_}, torch::kInt64)});
}

void InfiniteSampler::set_state(const torch::Tensor& s) {
  const int64_t n = size();
  PFGM_CHECK(s.dim() == 1 && s.scalar_type() == torch::kInt64 && s.size(0) == n + 2, "[resume] the data sampler state has ",
             s.numel() - 2, " items, this dataset ", n, " (another dataset or --xflip setting?)");
  order_ = s.narrow(0, 0, n).clone();
  position_ = s[n].item<int64_t>();
  window_ = s[n + 1].item<int64_t>();
  PFGM_CHECK(position_ >= 0 && position_ < n, "[resume] corrupt data sampler position ", position_);
}

}  // namespace pfgm::data
