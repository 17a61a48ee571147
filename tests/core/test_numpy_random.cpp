// numpy.random.RandomState(seed).shuffle, reproduced exactly: the permutations numpy itself wrote
// (tests/fixtures/eval/expected.npz, tools/make_eval_fixtures.py), and the dataset subsets built on it.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <numeric>

#include "pfgm/core/error.h"
#include "pfgm/core/numpy_random.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/npy.h"
#include "test_paths.h"

using namespace pfgm;

namespace {
torch::Tensor expected(const std::string& key) {
  for (auto& [k, v] : io::read_npz(pfgm::test_paths::fixtures_dir() + "/eval/expected.npz"))
    if (k == key) return v;
  ADD_FAILURE() << "no " << key << " in expected.npz";
  return {};
}
}  // namespace

TEST(NumpyRandomState, ShufflesAsNumpy) {
  for (auto [n, seed] : {std::pair<int64_t, uint32_t>{10, 0}, {1000, 123}, {50, 4294967295u}}) {
    std::vector<int64_t> a(static_cast<size_t>(n));
    std::iota(a.begin(), a.end(), 0);
    core::NumpyRandomState(seed).shuffle(a);
    const auto want = expected("shuffle_" + std::to_string(n) + "_" + std::to_string(seed));
    ASSERT_EQ(want.numel(), n);
    EXPECT_TRUE(torch::equal(torch::tensor(a, torch::kInt64), want)) << "n=" << n << " seed=" << seed;
  }
}

TEST(NumpyRandomState, FirstOutputsAreMT19937s) {
  // The reference values of MT19937 seeded by init_genrand(5489), its default seed.
  core::NumpyRandomState r(5489);
  EXPECT_EQ(r.next_uint32(), 3499211612u);
  EXPECT_EQ(r.next_uint32(), 581869302u);
  EXPECT_EQ(r.next_uint32(), 3890346734u);
}

TEST(NumpyRandomState, SubsetIsTheSortedPrefixOfNumpysShuffle) {
  // ImageFolderDataset(max_size=5, random_seed=123) over 1000 images keeps sort(shuffle[:5]).
  const auto shuffled = expected("shuffle_1000_123");
  auto want = shuffled.narrow(0, 0, 5).clone();
  want = std::get<0>(want.sort());
  EXPECT_TRUE(torch::equal(torch::tensor(data::choose_subset(1000, 5, 123), torch::kInt64), want));
  EXPECT_THROW(data::choose_subset(10, 5, uint64_t{1} << 33), Error);
}
