// .npy / .npz as numpy writes them: the exact header bytes, round trips of every supported dtype,
// and one-line errors for arrays whose header lies.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <unistd.h>

#include "pfgm/core/error.h"
#include "pfgm/io/npy.h"

using namespace pfgm;

TEST(Npy, HeaderIsNumpys) {
  const auto bytes = io::encode_npy(torch::arange(3, torch::kFloat64));
  // numpy.save(f, np.arange(3.0)): 128-byte header, then 3 little-endian doubles.
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
  ASSERT_EQ(bytes.size(), 128u + 24u);
  EXPECT_EQ(bytes.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));  // header length 118
  EXPECT_EQ(bytes.substr(10, dict.size()), dict);
  EXPECT_EQ(bytes.substr(10 + dict.size(), 127 - 10 - dict.size()), std::string(127 - 10 - dict.size(), ' '));
  EXPECT_EQ(bytes[127], '\n');
  double v[3];
  std::memcpy(v, bytes.data() + 128, 24);
  EXPECT_EQ(v[2], 2.0);
  // An image batch: uint8 NHWC, shape (10, 32, 32, 3).
  const auto x = io::encode_npy(torch::zeros({10, 32, 32, 3}, torch::kUInt8));
  EXPECT_EQ(x.size() % 64, (10u * 32 * 32 * 3) % 64);
  EXPECT_NE(x.find("{'descr': '|u1', 'fortran_order': False, 'shape': (10, 32, 32, 3), }"), std::string::npos);
}

TEST(Npy, RoundTripsEveryDtype) {
  for (auto type : {torch::kUInt8, torch::kInt64, torch::kFloat32, torch::kFloat64}) {
    const auto t = (torch::arange(24) * 7 % 11).to(type).reshape({2, 3, 4});
    const auto back = io::decode_npy(io::encode_npy(t), "t.npy");
    EXPECT_EQ(back.scalar_type(), type);
    EXPECT_TRUE(torch::equal(back, t));
  }
  const auto scalar = io::decode_npy(io::encode_npy(torch::tensor(3.5, torch::kFloat64)), "s.npy");
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_EQ(scalar.item<double>(), 3.5);
}

TEST(Npy, LyingHeadersAreErrors) {
  const auto good = io::encode_npy(torch::ones({4, 4}, torch::kFloat32));
  auto expect_error = [](const std::string& bytes, const std::string& needle) {
    try {
      io::decode_npy(bytes, "bad.npy");
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.npy"), std::string::npos) << e.what();
    }
  };
  expect_error(good.substr(0, good.size() - 1), "data bytes");
  expect_error(good.substr(0, 20), "runs past the end");
  expect_error("PK\x03\x04 not npy", "bad magic");
  std::string f16 = good;
  f16.replace(f16.find("<f4"), 3, "<f2");
  expect_error(f16, "not supported");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  expect_error(fortran, "Fortran");
}

TEST(Npz, RoundTripsNamedArrays) {
  const std::string path = ::testing::TempDir() + "pfgm_npz_" + std::to_string(::getpid()) + ".npz";
  const auto mu = torch::randn({8}, torch::kFloat64), sigma = torch::randn({8, 8}, torch::kFloat64);
  io::write_npz(path, {{"mu", mu}, {"sigma", sigma}});
  const auto back = io::read_npz(path);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].first, "mu");
  EXPECT_TRUE(torch::equal(back[0].second, mu));
  EXPECT_EQ(back[1].first, "sigma");
  EXPECT_TRUE(torch::equal(back[1].second, sigma));
  ::unlink(path.c_str());
}
