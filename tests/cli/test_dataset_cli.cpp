// `pfgm dataset` (spec 6.1): a generated idx folder → STORED zip or folder of level-0 PNGs named
// 00000/img00000000.png with dataset.json, read back by load_image_dataset with the same pixels
// (padded 28 → 32) and labels; resize and crop sizes; bad inputs are one-line errors that leave
// nothing at --dest.
#include <gtest/gtest.h>
#include <zip.h>

#include <torch/types.h>

#include "cli/cli_runner.h"
#include "data/dataset_fixtures.h"
#include "pfgm/data/idx.h"
#include "pfgm/data/image_dataset.h"

using namespace cli_test;

namespace {

// 20 plain idx images of 28×28 (pattern i) and labels i % 7.
std::string make_idx_dir() {
  const std::string d = fixtures::fresh_dir("idx");
  auto header = [](std::vector<uint32_t> dims) {
    std::string s{'\0', '\0', '\x08', static_cast<char>(dims.size())};
    for (uint32_t v : dims)
      for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
    return s;
  };
  std::string images = header({20, 28, 28}), labels = header({20});
  for (int i = 0; i < 20; ++i) {
    const auto p = fixtures::pattern(i, 1, 28, 28);
    images.append(reinterpret_cast<const char*>(p.data_ptr<uint8_t>()), 28 * 28);
    labels.push_back(static_cast<char>(i % 7));
  }
  fixtures::write_bytes(d + "/train-images-idx3-ubyte", images);
  fixtures::write_bytes(d + "/train-labels-idx1-ubyte", labels);
  return d;
}

void expect_same_as_idx(const pfgm::data::ImageDataset& d) {
  ASSERT_EQ(d.images.sizes(), (std::vector<int64_t>{20, 1, 32, 32}));
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(torch::equal(d.images[i][0].slice(0, 2, 30).slice(1, 2, 30), fixtures::pattern(i, 1, 28, 28)[0])) << i;
    EXPECT_EQ(d.images[i].sum().item<int64_t>(), fixtures::pattern(i, 1, 28, 28).sum().item<int64_t>()) << i;  // zero pad
  }
  ASSERT_TRUE(d.labels.defined());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(d.labels[i].item<int64_t>(), i % 7);
  EXPECT_EQ(d.label_dim, 7);
}

TEST(DatasetCli, IdxToStoredZipRoundTrip) {
  const auto zip = fixtures::fresh_dir("out") + "/mnist.zip";
  const auto r = run("dataset --source " + make_idx_dir() + " --dest " + zip);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Wrote 20 images"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 channels, 32x32, labels: 7 classes"), std::string::npos) << r.out;
  expect_same_as_idx(pfgm::data::load_image_dataset(zip));

  // Official names, every member stored uncompressed, and dataset.json labels by name.
  int err = 0;
  zip_t* za = zip_open(zip.c_str(), ZIP_RDONLY, &err);
  ASSERT_NE(za, nullptr);
  EXPECT_EQ(zip_get_num_entries(za, 0), 21);
  EXPECT_GE(zip_name_locate(za, "00000/img00000000.png", 0), 0);
  EXPECT_GE(zip_name_locate(za, "00000/img00000019.png", 0), 0);
  for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); ++i) {
    zip_stat_t st;
    ASSERT_EQ(zip_stat_index(za, i, 0, &st), 0);
    EXPECT_EQ(st.comp_method, ZIP_CM_STORE) << st.name;
  }
  zip_discard(za);
  pfgm::io::ZipReader reader(zip);
  const auto meta = reader.read("dataset.json");
  EXPECT_NE(meta.find("[\"00000/img00000003.png\",3]"), std::string::npos) << meta;
  EXPECT_GT(reader.read("00000/img00000000.png").size(), 32u * 32);  // zlib level 0
}

TEST(DatasetCli, FolderDestAndMaxImages) {
  const auto out = fixtures::fresh_dir("out") + "/mnist";
  const auto r = run("dataset --source " + make_idx_dir() + " --dest " + out + " --max-images 5");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(out + "/00000/img00000004.png"));
  EXPECT_FALSE(exists(out + "/00000/img00000005.png"));
  EXPECT_TRUE(exists(out + "/dataset.json"));
  const auto d = pfgm::data::load_image_dataset(out);
  ASSERT_EQ(d.images.size(0), 5);
  EXPECT_TRUE(torch::equal(d.images[4][0].slice(0, 2, 30).slice(1, 2, 30), fixtures::pattern(4, 1, 28, 28)[0]));
  // A non-empty folder is refused.
  expect_one_line_error(run("dataset --source " + make_idx_dir() + " --dest " + out), "exists");
}

TEST(DatasetCli, ResolutionDownscaleOfConstantStaysConstant) {
  const auto src = fixtures::fresh_dir("const");
  for (int i = 0; i < 3; ++i)
    fixtures::write_bytes(src + "/c" + std::to_string(i) + ".png",
                          pfgm::io::encode_png(torch::full({3, 50, 70}, 60 + 50 * i, torch::kUInt8)));
  const auto zip = fixtures::fresh_dir("out") + "/c.zip";
  const auto r = run("dataset --source " + src + " --dest " + zip + " --resolution 16x16");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto d = pfgm::data::load_image_dataset(zip);
  ASSERT_EQ(d.images.sizes(), (std::vector<int64_t>{3, 3, 16, 16}));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(d.images[i].min().item<int>(), 60 + 50 * i);
    EXPECT_EQ(d.images[i].max().item<int>(), 60 + 50 * i);
  }
  EXPECT_FALSE(d.labels.defined());  // dataset.json says null
}

TEST(DatasetCli, CenterCropOfNonSquareSource) {
  const auto src = fixtures::fresh_dir("wide");
  fixtures::write_bytes(src + "/a.png", fixtures::png(0, 1, 48, 80));
  fixtures::write_bytes(src + "/b.png", fixtures::png(1, 3, 60, 40));
  const auto out = fixtures::fresh_dir("out") + "/crop";
  const auto r = run("dataset --source " + src + " --dest " + out + " --transform center-crop --resolution 32x32");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto d = pfgm::data::load_image_dataset(out);
  EXPECT_EQ(d.images.sizes(), (std::vector<int64_t>{2, 3, 32, 32}));
}

TEST(DatasetCli, LabelsFromTopLevelFolders) {
  const auto src = fixtures::fresh_dir("classes");
  fixtures::write_bytes(src + "/cat/1.png", fixtures::png(0, 3, 8, 8));
  fixtures::write_bytes(src + "/dog/1.png", fixtures::png(1, 3, 8, 8));
  fixtures::write_bytes(src + "/cat/2.png", fixtures::png(2, 3, 8, 8));
  const auto zip = fixtures::fresh_dir("out") + "/l.zip";
  ASSERT_EQ(run("dataset --source " + src + " --dest " + zip).status, 0);
  const auto d = pfgm::data::load_image_dataset(zip);
  ASSERT_TRUE(d.labels.defined());
  EXPECT_EQ(d.labels[0].item<int64_t>(), 0);  // cat/1.png
  EXPECT_EQ(d.labels[1].item<int64_t>(), 0);  // cat/2.png
  EXPECT_EQ(d.labels[2].item<int64_t>(), 1);  // dog/1.png
}

TEST(DatasetCli, FailuresLeaveNothingAtDest) {
  const auto src = fixtures::fresh_dir("mixed");
  fixtures::write_bytes(src + "/a.png", fixtures::png(0, 3, 16, 16));
  fixtures::write_bytes(src + "/b.png", fixtures::png(1, 3, 8, 8));
  const auto out = fixtures::fresh_dir("out");
  auto r = run("dataset --source " + src + " --dest " + out + "/m.zip");
  expect_one_line_error(r, src + "/b.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_FALSE(exists(out + "/m.zip"));
  r = run("dataset --source " + src + " --dest " + out + "/m");
  expect_one_line_error(r, "expected 3 channels 16x16");
  EXPECT_FALSE(exists(out + "/m"));
  EXPECT_TRUE(::rmdir(out.c_str()) == 0) << "a temporary file or folder was left in " << out;

  fixtures::write_bytes(src + "/b.png", fixtures::png(1, 3, 16, 12));  // non-square without --resolution
  expect_one_line_error(run("dataset --source " + src + " --dest " + out + ".zip"), "expected 3 channels 16x16");
  fixtures::write_bytes(src + "/b.png", fixtures::png(1, 3, 16, 16));
  fixtures::write_bytes(src + "/a.png", fixtures::png(1, 3, 12, 12));
  expect_one_line_error(run("dataset --source " + src + " --dest " + out + ".zip"), "expected a power-of-two side");
  EXPECT_FALSE(exists(out + ".zip"));
}

TEST(DatasetCli, BadFlagsAreOneLineErrors) {
  const auto idx = make_idx_dir();
  const auto out = fixtures::fresh_dir("out");
  auto r = run("dataset --source " + idx + " --dest " + out + "/x.zip --resolution 32");
  expect_one_line_error(r, "[--resolution] got 32, expected WxH");
  EXPECT_EQ(r.status, 1);
  expect_one_line_error(run("dataset --source " + idx + " --dest " + out + "/x.zip --transform zoom --resolution 8x8"),
                        "[--transform] got zoom");
  expect_one_line_error(run("dataset --source " + idx + " --dest " + out + "/x.zip --transform center-crop"),
                        "needs --resolution");
  expect_one_line_error(run("dataset --source " + out + "/nothing --dest " + out + "/x.zip"), "no such file or folder");
  expect_one_line_error(run("dataset --source " + idx + " --dest " + out + "/no/such/dir/x.zip"), "does not exist");
  const auto nonimage = fixtures::fresh_dir("nonimage") + "/n.zip";
  fixtures::write_zip(nonimage, {{"a.png", fixtures::png(0, 1, 8, 8)}, {"b.csv", "1,2"}});
  expect_one_line_error(run("dataset --source " + nonimage + " --dest " + out + "/x.zip"), "b.csv is not an image");
  EXPECT_FALSE(exists(out + "/x.zip"));
  EXPECT_EQ(run("dataset --dest " + out + "/x.zip").status, 2);  // --source is required (CLI11)
}

}  // namespace
