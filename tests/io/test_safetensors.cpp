// Tests for the safetensors reader/writer: round trips of every dtype, the golden files, and one
// case per validation rule (each asserting pfgm::Error and a telling message).
#include <gtest/gtest.h>
#include <torch/types.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "pfgm/core/error.h"
#include "pfgm/io/safetensors.h"
#include "test_paths.h"

using namespace pfgm;
namespace fs = std::filesystem;

namespace {

// Runs `f` and expects a pfgm::Error whose message contains every one of `parts`.
template <typename F>
void expect_error(F f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected pfgm::Error";
  } catch (const Error& e) {
    for (const auto& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "message: " << e.what() << "\nmissing: " << part;
  }
}

// A raw file: little-endian header length, the header text, the data bytes.
std::string raw(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((uint64_t(header.size()) >> (8 * i)) & 0xff);
  return out + header + data;
}

void expect_parse_error(const std::string& header, const std::string& data,
                        std::initializer_list<std::string> parts) {
  expect_error([&] { io::parse_safetensors(raw(header, data), "mem.safetensors"); }, parts);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("pfgm_test_safetensors_" + std::to_string(::getpid()));
    remove_tree();
    fs::create_directories(dir);
  }
  void TearDown() override { remove_tree(); }
  // Not fs::remove_all: libtorch.so exports its own copy, which crashes when called from here.
  void remove_tree() {
    if (!fs::exists(dir)) return;
    for (const auto& entry : fs::directory_iterator(dir)) fs::remove(entry.path());
    fs::remove(dir);
  }
  fs::path dir;
};

}  // namespace

TEST_F(SafetensorsTest, RoundTripsEveryDtype) {
  io::NamedTensors tensors = {
      {"f32", torch::randn({2, 3})},
      {"f64", torch::randn({4}, torch::kFloat64)},
      {"f16", torch::randn({3, 1}).to(torch::kHalf)},
      {"bf16", torch::randn({5}).to(torch::kBFloat16)},
      {"i64", torch::tensor(std::vector<int64_t>{-(int64_t(1) << 40), 7})},
      {"i32", torch::arange(6, torch::kInt).reshape({2, 3})},
      {"i16", torch::tensor({-300, 300}, torch::kShort)},
      {"i8", torch::tensor({-128, 127}, torch::kChar)},
      {"u8", torch::tensor({0, 255}, torch::kByte)},
      {"bool", torch::tensor({true, false, true})},
      {"scalar", torch::tensor(3.5)},
      {"empty", torch::empty({0, 3})},
      {"strided", torch::arange(12, torch::kFloat).reshape({3, 4}).t()},
  };
  const std::map<std::string, std::string> meta = {{"case", "round trip"}, {"ü", "✓"}};
  const auto path = (dir / "all.safetensors").string();
  io::write_safetensors(path, tensors, meta);

  const std::string bytes = slurp(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u);

  for (const auto& file : {io::read_safetensors(path), io::parse_safetensors(bytes, path)}) {
    EXPECT_EQ(file.metadata, meta);
    ASSERT_EQ(file.tensors.size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
      const auto& [name, got] = file.tensors[i];
      EXPECT_EQ(name, tensors[i].first);  // file order is the written order
      EXPECT_EQ(got.scalar_type(), tensors[i].second.scalar_type()) << name;
      EXPECT_EQ(got.sizes(), tensors[i].second.sizes()) << name;
      EXPECT_TRUE(got.device().is_cpu());
      EXPECT_TRUE(torch::equal(got, tensors[i].second)) << name;
    }
    EXPECT_EQ(file.at("scalar").dim(), 0);
    EXPECT_EQ(file.find("missing"), nullptr);
    expect_error([&] { file.at("missing"); }, {"no tensor named 'missing'", path});
  }
}

TEST_F(SafetensorsTest, EmptyMetadataIsNotWritten) {
  const auto path = (dir / "plain.safetensors").string();
  io::write_safetensors(path, {{"x", torch::ones({2})}}, {});
  EXPECT_EQ(slurp(path).find("__metadata__"), std::string::npos);
  EXPECT_TRUE(io::read_safetensors(path).metadata.empty());

  io::write_safetensors(path, {}, {});  // no tensors at all is a valid file
  EXPECT_TRUE(io::read_safetensors(path).tensors.empty());
}

TEST_F(SafetensorsTest, ReadsGoldenFiles) {
  const std::string golden = pfgm::test_paths::shared_dir() + "/golden/";
  const auto field = io::read_safetensors(golden + "pfgm_field.safetensors");
  EXPECT_EQ(field.at("in.data").sizes(), (std::vector<int64_t>{64, 3, 8, 8}));
  EXPECT_EQ(field.at("in.data").scalar_type(), torch::kFloat);
  EXPECT_EQ(field.at("out.target_z").sizes(), (std::vector<int64_t>{32}));
  EXPECT_EQ(field.metadata.at("case"), "pfgm_field");
  EXPECT_EQ(field.tensors.front().first, "in.data");

  const auto heun = io::read_safetensors(golden + "heun_sampler.safetensors");
  EXPECT_EQ(heun.tensors.front().first, "param.model.map_layer0.weight");  // data order
  EXPECT_EQ(heun.tensors.back().first, "out.x");
  EXPECT_EQ(heun.at("in.seeds").scalar_type(), torch::kLong);
  EXPECT_EQ(heun.at("in.seeds").sizes(), (std::vector<int64_t>{4}));
  EXPECT_EQ(heun.at("out.t_steps").scalar_type(), torch::kDouble);
  EXPECT_EQ(heun.at("out.t_steps").sizes(), (std::vector<int64_t>{7}));
  EXPECT_EQ(heun.at("out.t_steps")[-1].item<double>(), 0.0);
  EXPECT_EQ(heun.metadata.at("case"), "heun_sampler");

  // Rewriting the golden file and reading it back gives the same tensors.
  const auto copy = (dir / "heun.safetensors").string();
  io::write_safetensors(copy, heun.tensors, heun.metadata);
  const auto again = io::read_safetensors(copy);
  ASSERT_EQ(again.tensors.size(), heun.tensors.size());
  for (size_t i = 0; i < heun.tensors.size(); ++i)
    EXPECT_TRUE(torch::equal(again.tensors[i].second, heun.tensors[i].second));
  EXPECT_EQ(again.metadata, heun.metadata);
}

TEST_F(SafetensorsTest, RejectsTruncatedFiles) {
  const auto path = (dir / "t.safetensors").string();
  io::write_safetensors(path, {{"w", torch::ones({4, 4})}}, {{"k", "v"}});
  const std::string bytes = slurp(path);
  const auto cut = (dir / "cut.safetensors").string();

  spit(cut, bytes.substr(0, 5));
  expect_error([&] { io::read_safetensors(cut); },
               {"[safetensors] " + cut, "file too short", "got 5", "incomplete download"});
  spit(cut, bytes.substr(0, 20));
  expect_error([&] { io::read_safetensors(cut); },
               {"header length exceeds the file", "incomplete download"});
  spit(cut, bytes.substr(0, bytes.size() - 1));
  expect_error([&] { io::read_safetensors(cut); },
               {"tensor 'w'", "end offset 64", "expected at most 63", "incomplete download"});
  expect_error([&] { io::parse_safetensors(bytes.substr(0, bytes.size() - 1), "cut"); },
               {"tensor 'w'", "end offset 64", "incomplete download"});
  expect_error([&] { io::read_safetensors((dir / "absent.safetensors").string()); },
               {"absent.safetensors", "cannot read"});
}

TEST_F(SafetensorsTest, RejectsLyingHeaderLength) {
  std::string bytes = raw("{}", "");
  bytes[5] = 1;  // 2^40 + 2 bytes
  expect_error([&] { io::parse_safetensors(bytes, "big"); }, {"header length too large"});
  bytes = raw("{}", "");
  bytes[0] = 3;  // claims 3 bytes, the file holds 2
  expect_error([&] { io::parse_safetensors(bytes, "lie"); },
               {"header length exceeds the file", "got 3", "expected at most 2"});
}

TEST_F(SafetensorsTest, RejectsBadOffsets) {
  const std::string eight(8, '\0');
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[250],"data_offsets":[0,1000]}})", eight,
                     {"tensor 'a'", "end offset 1000", "expected at most 8"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", eight,
                     {"tensor 'a'", "data_offsets", "begin <= end"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", eight,
                     {"data_offsets"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":["0",8]}})", eight,
                     {"data_offsets"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", eight,
                     {"data_offsets"});
}

TEST_F(SafetensorsTest, RejectsOverlapsAndGaps) {
  const std::string d12(12, '\0'), d20(20, '\0');
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                     R"( "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                     d12, {"tensor 'b' overlaps tensor 'a'", "got begin offset 4, expected 8"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                     R"( "b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                     d20, {"gap", "tensor 'b'", "got begin offset 12, expected 8"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", d12,
                     {"gap", "tensor 'a'"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d12,
                     {"unused bytes at the end", "got 12", "expected 8"});
  expect_parse_error("{}", d12, {"unused bytes at the end"});
}

TEST_F(SafetensorsTest, RejectsByteSizeMismatch) {
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                     std::string(8, '\0'),
                     {"tensor 'a'", "byte size does not match", "got 8 bytes, expected 12"});
  expect_parse_error(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})",
                     "", {"tensor 'a'", "too large"});
  expect_parse_error(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296,2],"data_offsets":[0,0]}})",
                     "", {"tensor 'a'", "too large"});
  // A zero size empties the tensor but does not bound the others (their strides would overflow).
  expect_parse_error(R"({"a":{"dtype":"F64","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})",
                     "", {"tensor 'a'", "too large"});
}

TEST_F(SafetensorsTest, RejectsBadJsonAndFields) {
  expect_parse_error("{not json", "", {"mem.safetensors", "not valid JSON"});
  expect_parse_error("[1, 2]", "", {"not a JSON object", "got a array"});
  expect_parse_error(R"({"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},)"
                     R"( "a":{"dtype":"F32","shape":[],"data_offsets":[4,8]}})",
                     std::string(8, '\0'), {"duplicate key", "'a'"});
  expect_parse_error(R"({"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", std::string(1, '\0'),
                     {"tensor 'a'", "unknown dtype", "got 'F8'", "BF16"});
  expect_parse_error(R"({"a":{"shape":[1],"data_offsets":[0,1]}})", std::string(1, '\0'),
                     {"tensor 'a'", "dtype missing"});
  expect_parse_error(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})", "",
                     {"tensor 'a'", "shape is not a list of non-negative integers", "[-1]"});
  expect_parse_error(R"({"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,0]}})", "",
                     {"shape is not a list"});
  expect_parse_error(R"({"a":{"dtype":"U8","shape":"3","data_offsets":[0,0]}})", "",
                     {"shape is not a list"});
  expect_parse_error(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"extra":1}})", "",
                     {"unexpected field", "'extra'"});
  expect_parse_error(R"({"a":[1]})", "", {"tensor 'a'", "not an object"});
  expect_parse_error(R"({"__metadata__":{"k":1}})", "",
                     {"__metadata__ value of 'k' is not a string"});
  expect_parse_error(R"({"__metadata__":["k"]})", "", {"__metadata__ is not an object"});
  expect_parse_error(R"({"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})",
                     std::string("\x01\x02", 2), {"tensor 'b'", "BOOL", "got 2"});
}

TEST_F(SafetensorsTest, FailedWritesLeaveNothingBehind) {
  const auto missing_dir = dir / "no_such_dir";
  const auto path = (missing_dir / "x.safetensors").string();
  EXPECT_THROW(io::write_safetensors(path, {{"x", torch::ones({2})}}, {}), Error);
  EXPECT_FALSE(fs::exists(missing_dir));

  // A failing write over an existing file keeps the old file and leaves no temporary behind.
  const auto good = (dir / "good.safetensors").string();
  io::write_safetensors(good, {{"x", torch::ones({2})}}, {});
  expect_error([&] { io::write_safetensors(good, {{"c", torch::ones({2}, torch::kComplexFloat)}}, {}); },
               {"tensor 'c'", "unsupported dtype"});
  expect_error([&] { io::write_safetensors(good, {{"x", torch::ones(1)}, {"x", torch::ones(1)}}, {}); },
               {"tensor 'x'", "duplicate name"});
  expect_error([&] { io::write_safetensors(good, {{"__metadata__", torch::ones(1)}}, {}); },
               {"reserved"});
  EXPECT_TRUE(torch::equal(io::read_safetensors(good).at("x"), torch::ones({2})));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}
