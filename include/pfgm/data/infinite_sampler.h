#pragma once
// EDM's InfiniteSampler (spec 5.8): shuffle the dataset once, then walk the order endlessly; after
// each index, swap it with one up to `window` places behind, so epochs blend into each other.
// Its state (order, position) is part of a training state, so a resumed run draws the same batches.
#include <cstdint>

#include <torch/types.h>

namespace pfgm::data {

class InfiniteSampler {
 public:
  InfiniteSampler() = default;
  // n items; window = round(window_frac·n) (official 0.5). The first shuffle draws from `gen`.
  InfiniteSampler(int64_t n, at::Generator& gen, double window_frac = 0.5);

  // The next `count` indices in [0, n), int64 on the CPU.
  torch::Tensor next(int64_t count, at::Generator& gen);

  int64_t size() const { return order_.defined() ? order_.size(0) : 0; }
  torch::Tensor state() const;             // int64 [n + 2]: order, position, window
  void set_state(const torch::Tensor& s);  // checks the size against n

 private:
  torch::Tensor order_;  // int64 [n]
  int64_t position_ = 0;
  int64_t window_ = 0;
};

}  // namespace pfgm::data
