#pragma once
// NumPy's legacy numpy.random.RandomState, as far as the reference's data pipeline uses it: the
// MT19937 generator seeded by init_genrand (Matsumoto & Nishimura 1998) and the in-place shuffle
// of a 1-D array (Fisher–Yates from the end, each index drawn by masked rejection), so a dataset
// subset chosen with `max_size` and a seed is the subset EDM's ImageFolderDataset chooses (spec 6.2).
#include <array>
#include <cstdint>
#include <vector>

namespace pfgm::core {

class NumpyRandomState {
 public:
  explicit NumpyRandomState(uint32_t seed);  // RandomState(seed) for an integer seed in [0, 2³²)
  uint32_t next_uint32();                    // one MT19937 output
  uint64_t interval(uint64_t max);           // uniform in [0, max] (numpy's legacy random_interval)
  void shuffle(std::vector<int64_t>& a);     // RandomState.shuffle of a 1-D array

 private:
  std::array<uint32_t, 624> mt_{};
  int index_ = 624;
};

}  // namespace pfgm::core
