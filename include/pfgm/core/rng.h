#pragma once
// Per-sample random streams (EDM generate.py, StackedRandomGenerator): every sample owns a CPU
// generator seeded from its seed, so its draws depend only on that seed, never on the batch size,
// its position in the batch or the device.
#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace pfgm::core {

// A CPU Philox/MT generator seeded with `seed` (LibTorch's default CPU algorithm).
at::Generator make_generator(uint64_t seed);

// One generator per seed (its low 32 bits, as numpy's RandomState takes them). `stream` tells
// independent uses of the same seeds apart: stream k > 0 seeds its generators with a 32-bit hash
// of (seed, k), so a sampler's noise (stream 1) does not repeat the prior draw of the same seed
// (stream 0: the seed itself).
class SeedStreams {
 public:
  explicit SeedStreams(const std::vector<int64_t>& seeds, uint64_t stream = 0);
  int64_t size() const { return static_cast<int64_t>(generators_.size()); }
  at::Generator& operator[](int64_t i) { return generators_.at(static_cast<size_t>(i)); }
  // Standard normal draws, `sample_shape` per sample, stacked to [B, sample_shape...] (float64 on
  // the CPU, then moved to `options`).
  torch::Tensor randn(at::IntArrayRef sample_shape, const torch::TensorOptions& options);

 private:
  std::vector<at::Generator> generators_;
};

// Parses "a,b,c-d" seed lists (EDM's parse_int_list).
std::vector<int64_t> parse_seeds(const std::string& text);

}  // namespace pfgm::core
