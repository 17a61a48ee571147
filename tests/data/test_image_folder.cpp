// EDM datasets (spec 6.1, 6.2): folders and zips of PNGs read sorted by relative path with
// dataset.json labels; every rule dataset_tool.py checks refused with a message naming the file.
#include <gtest/gtest.h>

#include <cstdio>

#include <torch/types.h>

#include "data/dataset_fixtures.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/data/image_folder.h"

namespace {

using fixtures::error_of;
using pfgm::data::ImageDatasetOptions;
using pfgm::data::load_image_dataset;
using pfgm::data::load_image_folder;

const char* kLabels = R"({"labels": [["b/img2.png", 3], ["a.png", 0], ["b/img1.png", 5]]})";

// Folder: a.png (pattern 0), b/img1.png (1), b/img2.png (2), plus a text file that is skipped.
std::string make_folder(const std::string& labels = kLabels) {
  const auto d = fixtures::fresh_dir("folder");
  fixtures::write_bytes(d + "/b/img2.png", fixtures::png(2, 3, 8, 8));
  fixtures::write_bytes(d + "/a.png", fixtures::png(0, 3, 8, 8));
  fixtures::write_bytes(d + "/b/img1.png", fixtures::png(1, 3, 8, 8));
  fixtures::write_bytes(d + "/notes.txt", "not an image");
  if (!labels.empty()) fixtures::write_bytes(d + "/dataset.json", labels);
  return d;
}

TEST(ImageFolder, FolderSortedWithLabels) {
  const auto d = load_image_dataset(make_folder());
  ASSERT_EQ(d.images.sizes(), (std::vector<int64_t>{3, 3, 8, 8}));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(torch::equal(d.images[i], fixtures::pattern(i, 3, 8, 8))) << i;
  ASSERT_TRUE(d.labels.defined());
  EXPECT_EQ(d.labels[0].item<int64_t>(), 0);
  EXPECT_EQ(d.labels[1].item<int64_t>(), 5);
  EXPECT_EQ(d.labels[2].item<int64_t>(), 3);
  EXPECT_EQ(d.label_dim, 6);  // one-hot width max + 1
}

TEST(ImageFolder, ZipGreyMatchesFolder) {
  const auto dir = fixtures::fresh_dir("zip");
  const auto zip = dir + "/grey.zip";
  fixtures::write_zip(zip, {{"00000/img00000001.png", fixtures::png(1, 1, 16, 16)},
                            {"00000/img00000000.png", fixtures::png(0, 1, 16, 16)},
                            {"dataset.json", R"({"labels": null})"}});
  const auto d = load_image_dataset(zip);
  ASSERT_EQ(d.images.sizes(), (std::vector<int64_t>{2, 1, 16, 16}));
  EXPECT_TRUE(torch::equal(d.images[0], fixtures::pattern(0, 1, 16, 16)));
  EXPECT_TRUE(torch::equal(d.images[1], fixtures::pattern(1, 1, 16, 16)));
  EXPECT_FALSE(d.labels.defined());
  EXPECT_EQ(d.label_dim, 0);
}

TEST(ImageFolder, ZipWithNonImageNamesIt) {
  const auto zip = fixtures::fresh_dir("zipbad") + "/bad.zip";
  fixtures::write_zip(zip, {{"00000/img00000000.png", fixtures::png(0, 3, 8, 8)}, {"00000/readme.txt", "hello"}});
  const auto e = error_of([&] { load_image_dataset(zip); });
  EXPECT_NE(e.find("00000/readme.txt"), std::string::npos) << e;
  EXPECT_NE(e.find("not an image"), std::string::npos) << e;
}

TEST(ImageFolder, CorruptPngInZipNamesIt) {
  const auto zip = fixtures::fresh_dir("zipcut") + "/cut.zip";
  const auto bytes = fixtures::png(0, 3, 8, 8);
  fixtures::write_zip(zip, {{"a.png", bytes}, {"b.png", bytes.substr(0, bytes.size() / 2)}});
  const auto e = error_of([&] { load_image_dataset(zip); });
  EXPECT_NE(e.find("b.png"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
}

TEST(ImageFolder, MixedSizesNameTheFile) {
  const auto d = fixtures::fresh_dir("mixed");
  fixtures::write_bytes(d + "/a.png", fixtures::png(0, 3, 8, 8));
  fixtures::write_bytes(d + "/b.png", fixtures::png(1, 3, 16, 16));
  auto e = error_of([&] { load_image_dataset(d); });
  EXPECT_NE(e.find("b.png"), std::string::npos) << e;
  EXPECT_NE(e.find("expected 3 channels 8x8"), std::string::npos) << e;
  fixtures::write_bytes(d + "/b.png", fixtures::png(1, 1, 8, 8));  // same size, other channel count
  e = error_of([&] { load_image_dataset(d); });
  EXPECT_NE(e.find("b.png: 1 channels"), std::string::npos) << e;
}

TEST(ImageFolder, NonSquareAndNonPowerOfTwoRefused) {
  const auto d = fixtures::fresh_dir("wide");
  fixtures::write_bytes(d + "/a.png", fixtures::png(0, 3, 8, 16));
  auto e = error_of([&] { load_image_dataset(d); });
  EXPECT_NE(e.find("a.png: 16x8 pixels, expected a square"), std::string::npos) << e;
  fixtures::write_bytes(d + "/a.png", fixtures::png(0, 3, 12, 12));
  e = error_of([&] { load_image_dataset(d); });
  EXPECT_NE(e.find("a.png: 12x12 pixels, expected a power-of-two"), std::string::npos) << e;
}

TEST(ImageFolder, JpegNamedAndPngAsked) {
  const auto d = fixtures::fresh_dir("jpeg");
  fixtures::write_bytes(d + "/a.png", fixtures::png(0, 3, 8, 8));
  fixtures::write_bytes(d + "/b.JPG", "\xff\xd8\xff\xe0 jpeg bytes");
  const auto e = error_of([&] { load_image_dataset(d); });
  EXPECT_NE(e.find("b.JPG"), std::string::npos) << e;
  EXPECT_NE(e.find("expected PNG"), std::string::npos) << e;
}

TEST(ImageFolder, UseLabelsNeedsLabels) {
  ImageDatasetOptions o;
  o.use_labels = true;
  for (const std::string labels : {std::string(), std::string(R"({"labels": null})")}) {
    const auto path = make_folder(labels);
    const auto e = error_of([&] { load_image_dataset(path, o); });
    EXPECT_NE(e.find(path), std::string::npos) << e;
    EXPECT_NE(e.find("--cond needs"), std::string::npos) << e;
    EXPECT_EQ(error_of([&] { load_image_dataset(path); }), "");  // fine without --cond
  }
  const auto partial = make_folder(R"({"labels": [["a.png", 1], ["b/img1.png", 0]]})");
  const auto e = error_of([&] { load_image_dataset(partial, o); });
  EXPECT_NE(e.find("b/img2.png has no label"), std::string::npos) << e;
  EXPECT_FALSE(load_image_dataset(partial).labels.defined());
  EXPECT_TRUE(load_image_dataset(make_folder(), o).labels.defined());
}

TEST(ImageFolder, BadLabelsFileNamed) {
  auto e = error_of([&] { load_image_dataset(make_folder("{not json")); });
  EXPECT_NE(e.find("dataset.json: not valid JSON"), std::string::npos) << e;
  e = error_of([&] { load_image_dataset(make_folder(R"({"labels": [["a.png", 1.5]]})")); });
  EXPECT_NE(e.find("label of a.png is 1.5"), std::string::npos) << e;
  e = error_of([&] { load_image_dataset(make_folder(R"({"classes": 3})")); });
  EXPECT_NE(e.find("expected an object {\"labels\""), std::string::npos) << e;
}

TEST(ImageFolder, MaxSizeIsASeededSortedSubset) {
  const auto d = fixtures::fresh_dir("many");
  for (int i = 0; i < 20; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/img%02d.png", i);
    fixtures::write_bytes(d + name, fixtures::png(i, 1, 4, 4));
  }
  ImageDatasetOptions o;
  o.max_size = 5;
  o.seed = 7;
  const auto a = load_image_dataset(d, o), b = load_image_dataset(d, o);
  ASSERT_EQ(a.images.size(0), 5);
  EXPECT_TRUE(torch::equal(a.images, b.images));
  const auto keep = pfgm::data::choose_subset(20, 5, 7);
  ASSERT_EQ(keep.size(), 5u);
  for (size_t k = 0; k < keep.size(); ++k) {
    if (k) EXPECT_LT(keep[k - 1], keep[k]);
    EXPECT_TRUE(torch::equal(a.images[k], fixtures::pattern(static_cast<int>(keep[k]), 1, 4, 4)));
  }
  bool differs = false;  // another seed, another subset (for at least one of several seeds)
  for (uint64_t s = 8; s < 12; ++s) differs = differs || pfgm::data::choose_subset(20, 5, s) != keep;
  EXPECT_TRUE(differs);
  EXPECT_EQ(pfgm::data::choose_subset(3, 5, 0), (std::vector<int64_t>{0, 1, 2}));
}

TEST(ImageFolder, NothingMatchesListsWhatIsAccepted) {
  const auto missing = ::testing::TempDir() + "no_such_dataset";
  auto e = error_of([&] { load_image_dataset(missing); });
  EXPECT_NE(e.find(missing + ": no such file"), std::string::npos) << e;
  EXPECT_NE(e.find("cifar-10-binary.tar.gz"), std::string::npos) << e;
  const auto empty = fixtures::fresh_dir("empty");
  e = error_of([&] { load_image_dataset(empty); });
  EXPECT_NE(e.find(empty + ": no images found"), std::string::npos) << e;
  const auto notzip = fixtures::fresh_dir("notzip") + "/x.zip";
  fixtures::write_bytes(notzip, "plain text");
  e = error_of([&] { load_image_dataset(notzip); });
  EXPECT_NE(e.find(notzip + ": cannot open"), std::string::npos) << e;
}

}  // namespace
