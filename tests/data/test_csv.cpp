// Tests of the point-set CSV reader/writer: exact round trip, tolerated syntax (header, comments,
// whitespace, CRLF) and the line-numbered error for each malformed input.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/csv.h"

using namespace pfgm;

namespace {
// POSIX, not std::filesystem: libtorch.so exports a broken copy of parts of it (remove_all).
class Csv : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pfgm_csv_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (DIR* d = ::opendir(dir_.c_str())) {
      while (dirent* e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ::unlink(at(e->d_name).c_str());
      ::closedir(d);
    }
    ::rmdir(dir_.c_str());
  }
  std::string at(const std::string& name) const { return dir_ + "/" + name; }
  bool exists(const std::string& path) const { return ::access(path.c_str(), F_OK) == 0; }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = at(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  // The message of the Error thrown by reading `text`, or "" when none was thrown.
  std::string error_of(const std::string& text) {
    try {
      data::read_points_csv(write("bad.csv", text));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  std::string dir_;
};
}  // namespace

TEST_F(Csv, RoundTripIsExact) {
  auto gen = core::make_generator(3);
  auto p = at::randn({50, 3}, gen, torch::kFloat64) * torch::tensor({1e-300, 1.0, 1e300}, torch::kFloat64);
  p[0][0] = 0.1;
  p[0][1] = -0.0;
  p[0][2] = 4.9406564584124654e-324;
  const std::string path = at("points.csv");
  data::write_points_csv(path, p);
  auto q = data::read_points_csv(path);
  EXPECT_EQ(q.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::equal(p, q));
  auto f = at::randn({20, 2}, gen, torch::kFloat32);  // float32 values survive too
  data::write_points_csv(path, f);
  EXPECT_TRUE(torch::equal(f.to(torch::kFloat64), data::read_points_csv(path)));
  EXPECT_FALSE(exists(path + ".tmp-" + std::to_string(::getpid())));
}

TEST_F(Csv, ToleratesHeaderCommentsWhitespaceAndCrlf) {
  auto q = data::read_points_csv(write("ok.csv", "# made by hand\r\n x , y \r\n 1 ,2\r\n\r\n#mid\n3,\t-4.5e1\n"));
  EXPECT_TRUE(torch::equal(q, torch::tensor({1.0, 2.0, 3.0, -45.0}, torch::kFloat64).reshape({2, 2})));
  auto single = data::read_points_csv(write("one.csv", "7"));
  EXPECT_EQ(single.sizes(), (std::vector<int64_t>{1, 1}));
}

TEST_F(Csv, RejectsMalformedInput) {
  EXPECT_NE(error_of("").find("bad.csv:1: got no points (empty file)"), std::string::npos) << error_of("");
  EXPECT_NE(error_of("x,y\n# only a header\n").find(":2: got no points"), std::string::npos);
  EXPECT_NE(error_of("1,2\n3,4\n5,6,7\n").find("bad.csv:3: ragged row: got 3 values, expected 2"),
            std::string::npos);
  EXPECT_NE(error_of("1,2\n3\n").find(":2: ragged row: got 1 values, expected 2"), std::string::npos);
  EXPECT_NE(error_of("1,2\n3,abc\n").find(":2: field 2: got 'abc', expected a number"), std::string::npos);
  EXPECT_NE(error_of("1,2\n3,\n").find(":2: field 2: got '', expected a number"), std::string::npos);
  EXPECT_NE(error_of("x,1\n").find(":1: field 1: got 'x', expected a number"), std::string::npos);
  EXPECT_NE(error_of("1,2\nnan,4\n").find(":2: field 1: got 'nan', expected a finite number"), std::string::npos);
  EXPECT_NE(error_of("1,-inf\n").find(":1: field 2: got '-inf', expected a finite number"), std::string::npos);
  EXPECT_NE(error_of("1,1e400\n").find(":1: field 2"), std::string::npos);
  EXPECT_EQ(error_of("1,2\n").find("[csv] "), std::string::npos);  // valid: no error
  try {
    data::read_points_csv(at("missing.csv"));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[csv] " + at("missing.csv") + ": no such file"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(data::write_points_csv(at("w.csv"), torch::full({2, 2}, NAN)), Error);
  EXPECT_THROW(data::write_points_csv(at("w.csv"), torch::zeros({3})), Error);
}
