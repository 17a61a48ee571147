// idx files (MNIST's format), plain and gzip: round trip, and every lie of the header refused.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/data/idx.h"

namespace {

std::string idx_bytes(std::vector<uint32_t> dims, size_t data_bytes, unsigned char type = 0x08) {
  std::string s{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((d >> (8 * k)) & 0xff));
  for (size_t i = 0; i < data_bytes; ++i) s.push_back(static_cast<char>(i * 7 % 256));
  return s;
}

std::string write_file(const std::string& name, const std::string& bytes, bool gzip) {
  const std::string path = ::testing::TempDir() + name;
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  return path;
}

std::string error_of(const std::string& path) {
  try {
    pfgm::data::read_idx(path);
  } catch (const pfgm::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Idx, RoundTripPlainAndGzip) {
  for (bool gz : {false, true}) {
    const auto path = write_file(gz ? "ok.idx.gz" : "ok.idx", idx_bytes({3, 4, 5}, 60), gz);
    const auto t = pfgm::data::read_idx(path);
    ASSERT_EQ(t.sizes(), (std::vector<int64_t>{3, 4, 5}));
    EXPECT_EQ(t.scalar_type(), torch::kUInt8);
    EXPECT_EQ(t.flatten()[13].item<int>(), 13 * 7 % 256);
  }
}

TEST(Idx, HeaderLiesAreRefusedByName) {
  const auto short_data = write_file("short.idx.gz", idx_bytes({3, 4, 5}, 59), true);
  EXPECT_NE(error_of(short_data).find("announces 60 bytes"), std::string::npos) << error_of(short_data);
  EXPECT_NE(error_of(short_data).find(short_data), std::string::npos);
  const auto long_data = write_file("long.idx", idx_bytes({3, 4, 5}, 61), false);
  EXPECT_NE(error_of(long_data).find("continues after"), std::string::npos) << error_of(long_data);
  const auto wrong_type = write_file("float.idx", idx_bytes({2}, 8, 0x0D), false);
  EXPECT_NE(error_of(wrong_type).find("element type"), std::string::npos) << error_of(wrong_type);
  const auto cut_header = write_file("cut.idx", idx_bytes({3, 4, 5}, 0).substr(0, 9), false);
  EXPECT_NE(error_of(cut_header).find("header ends"), std::string::npos) << error_of(cut_header);
  const auto huge = write_file("huge.idx", idx_bytes({60000, 60000, 60000}, 10), false);
  EXPECT_NE(error_of(huge).find("more than 16 GiB"), std::string::npos) << error_of(huge);
  EXPECT_NE(error_of(::testing::TempDir() + "absent.idx").find("no such file"), std::string::npos);
}

}  // namespace
