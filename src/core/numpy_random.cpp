#include "pfgm/core/numpy_random.h"

#include <cstddef>
#include <utility>

namespace pfgm::core {

NumpyRandomState::NumpyRandomState(uint32_t seed) {
  mt_[0] = seed;
  for (uint32_t i = 1; i < 624; ++i) mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + i;
}

uint32_t NumpyRandomState::next_uint32() {
  if (index_ >= 624) {  // regenerate the state
    for (int k = 0; k < 624; ++k) {
      const uint32_t y = (mt_[k] & 0x80000000u) | (mt_[(k + 1) % 624] & 0x7fffffffu);
      mt_[k] = mt_[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    index_ = 0;
  }
  uint32_t y = mt_[index_++];  // tempering
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

uint64_t NumpyRandomState::interval(uint64_t max) {
  if (max == 0) return 0;
  uint64_t mask = max;  // the smallest all-ones mask covering max
  for (int shift : {1, 2, 4, 8, 16, 32}) mask |= mask >> shift;
  uint64_t value;
  if (max <= 0xffffffffu) {
    while ((value = (next_uint32() & mask)) > max) {}
  } else {
    while ((value = (((uint64_t{next_uint32()} << 32) | next_uint32()) & mask)) > max) {}
  }
  return value;
}

void NumpyRandomState::shuffle(std::vector<int64_t>& a) {
  for (size_t i = a.size(); i-- > 1;) std::swap(a[i], a[interval(i)]);
}

}  // namespace pfgm::core
