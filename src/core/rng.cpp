#include "pfgm/core/rng.h"

#include <string>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::core {

at::Generator make_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

SeedStreams::SeedStreams(const std::vector<int64_t>& seeds, uint64_t stream) {
  generators_.reserve(seeds.size());
  for (int64_t s : seeds) {
    uint64_t seed = static_cast<uint64_t>(s) & 0xffffffffULL;
    if (stream > 0) {  // splitmix64 of (seed, stream), folded to the 32 bits the generator keeps
      uint64_t z = seed + stream * 0x9E3779B97F4A7C15ULL;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      z ^= z >> 31;
      seed = (z ^ (z >> 32)) & 0xffffffffULL;
    }
    generators_.push_back(make_generator(seed));
  }
}

torch::Tensor SeedStreams::randn(at::IntArrayRef sample_shape, const torch::TensorOptions& options) {
  std::vector<torch::Tensor> rows;
  rows.reserve(generators_.size());
  for (auto& g : generators_) rows.push_back(at::randn(sample_shape, g, torch::dtype(torch::kFloat64)));
  return torch::stack(rows).to(options);
}

namespace {
constexpr uint64_t kMaxSeeds = uint64_t{1} << 20;
}

std::vector<int64_t> parse_seeds(const std::string& text) {
  std::vector<int64_t> seeds;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      size_t dash = item.find('-', 1);
      size_t used = 0;
      if (dash == std::string::npos) {
        seeds.push_back(std::stoll(item, &used));
        PFGM_CHECK(used == item.size(), "");
      } else {
        int64_t a = std::stoll(item.substr(0, dash), &used);
        PFGM_CHECK(used == dash, "");
        int64_t b = std::stoll(item.substr(dash + 1), &used);
        PFGM_CHECK(used == item.size() - dash - 1 && b >= a, "");
        PFGM_CHECK(static_cast<uint64_t>(b) - static_cast<uint64_t>(a) < kMaxSeeds, "");
        for (int64_t s = a;; ++s) {  // no s <= b test: b may be INT64_MAX
          seeds.push_back(s);
          if (s == b) break;
        }
      }
    } catch (const std::exception&) {
      throw Error("[seeds] got '" + text + "', expected a list like 0-63 or 1,5,7-9 (at most " +
                  std::to_string(kMaxSeeds) + " seeds)");
    }
    if (seeds.size() > kMaxSeeds) throw Error("[seeds] got '" + text + "': more than " + std::to_string(kMaxSeeds) + " seeds");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return seeds;
}

}  // namespace pfgm::core
