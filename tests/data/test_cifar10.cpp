// CIFAR-10 binary: a generated cifar-10-binary.tar.gz and folder read in batch order with labels;
// a .bin whose length is not whole 3073-byte records, or a missing batch, is an error naming it.
#include <gtest/gtest.h>

#include <torch/types.h>

#include "data/dataset_fixtures.h"
#include "pfgm/data/cifar10.h"
#include "pfgm/data/image_dataset.h"

namespace {

using fixtures::error_of;

// Batch k of the training split holds images 2k … 2k+1 (2 each); the test batch 3 images from 100.
std::vector<std::pair<std::string, std::string>> members(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> m;
  m.emplace_back(prefix + "batches.meta.txt", "airplane\n");
  for (int k = 5; k >= 1; --k)  // stored out of order: the reader orders them
    m.emplace_back(prefix + "data_batch_" + std::to_string(k) + ".bin", fixtures::cifar_batch(2 * (k - 1), 2));
  m.emplace_back(prefix + "test_batch.bin", fixtures::cifar_batch(100, 3));
  return m;
}

void expect_split(const pfgm::data::ImageDataset& d, int first, int n) {
  ASSERT_EQ(d.images.sizes(), (std::vector<int64_t>{n, 3, 32, 32}));
  ASSERT_EQ(d.labels.size(0), n);
  EXPECT_EQ(d.label_dim, 10);
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(torch::equal(d.images[i], fixtures::pattern(first + i, 3, 32, 32))) << i;
    EXPECT_EQ(d.labels[i].item<int64_t>(), (first + i) % 10) << i;
  }
}

TEST(Cifar10, TarGzTrainAndTestSplits) {
  const auto tgz = fixtures::fresh_dir("cifar") + "/cifar-10-binary.tar.gz";
  fixtures::write_tar_gz(tgz, members("cifar-10-batches-bin/"));
  expect_split(pfgm::data::load_image_dataset(tgz), 0, 10);
  pfgm::data::ImageDatasetOptions o;
  o.train = false;
  expect_split(pfgm::data::load_image_dataset(tgz, o), 100, 3);
}

TEST(Cifar10, FolderOfBatches) {
  const auto d = fixtures::fresh_dir("cifar_dir");
  for (const auto& [name, bytes] : members("cifar-10-batches-bin/")) fixtures::write_bytes(d + "/" + name, bytes);
  expect_split(pfgm::data::load_image_dataset(d), 0, 10);                           // the parent folder
  expect_split(pfgm::data::load_image_dataset(d + "/cifar-10-batches-bin"), 0, 10);  // the batches' folder
}

TEST(Cifar10, BadLengthNamesTheFile) {
  const auto d = fixtures::fresh_dir("cifar_bad");
  for (const auto& [name, bytes] : members("")) fixtures::write_bytes(d + "/" + name, bytes);
  fixtures::write_bytes(d + "/data_batch_3.bin", fixtures::cifar_batch(4, 2).substr(0, 3073 + 100));
  auto e = error_of([&] { pfgm::data::load_image_dataset(d); });
  EXPECT_NE(e.find("data_batch_3.bin: 3173 bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("3073"), std::string::npos) << e;

  const auto tgz = fixtures::fresh_dir("cifar_badtgz") + "/c.tar.gz";
  auto m = members("cifar-10-batches-bin/");
  m[1].second.pop_back();  // data_batch_5.bin one byte short
  fixtures::write_tar_gz(tgz, m);
  e = error_of([&] { pfgm::data::load_image_dataset(tgz); });
  EXPECT_NE(e.find("data_batch_5.bin: 6145 bytes"), std::string::npos) << e;

  m = members("");
  m.erase(m.begin() + 2);  // no data_batch_4.bin
  fixtures::write_tar_gz(tgz, m);
  e = error_of([&] { pfgm::data::load_image_dataset(tgz); });
  EXPECT_NE(e.find("no data_batch_4.bin"), std::string::npos) << e;

  std::string bad_label = fixtures::cifar_batch(0, 1);
  bad_label[0] = 12;
  e = error_of([&] { pfgm::data::parse_cifar10_batch(bad_label, "x.bin"); });
  EXPECT_NE(e.find("x.bin: label 12"), std::string::npos) << e;
}

TEST(Cifar10, NotATarNamed) {
  const auto tgz = fixtures::fresh_dir("cifar_junk") + "/junk.tar.gz";
  fixtures::write_bytes(tgz, "this is not gzip data at all, just text.........");
  const auto e = error_of([&] { pfgm::data::load_image_dataset(tgz); });
  EXPECT_NE(e.find(tgz), std::string::npos) << e;
}

}  // namespace
