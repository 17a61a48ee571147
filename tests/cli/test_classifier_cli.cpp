// `pfgm classifier train | eval` on small generated datasets: a PNG folder (held-out = a seeded
// 10%) and idx files with a test split; bad data and files are one-line errors leaving no output.
#include <gtest/gtest.h>
#include <zlib.h>

#include <sstream>
#include <string>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "pfgm/core/rng.h"
#include "pfgm/io/png.h"
#include "pfgm/io/safetensors.h"
#include "pfgm/networks/classifier.h"

#include "cli/cli_runner.h"

using namespace cli_test;

namespace {

// n noisy res×res grey images of four shapes at random places (bar —, bar |, filled square, hollow square).
std::pair<torch::Tensor, torch::Tensor> shapes(int64_t n, int64_t res, uint64_t seed) {
  auto gen = pfgm::core::make_generator(seed);
  auto x = torch::randint(0, 80, {n, 1, res, res}, gen, torch::kInt64);
  const auto y = torch::randint(0, 4, {n}, gen, torch::kInt64);
  const auto pos = torch::randint(1, res - 7, {n, 2}, gen, torch::kInt64);
  auto a = x.accessor<int64_t, 4>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = y[i].item<int64_t>(), r = pos[i][0].item<int64_t>(), c = pos[i][1].item<int64_t>();
    for (int64_t u = 0; u < 6; ++u)
      for (int64_t v = 0; v < 6; ++v) {
        const bool on = k == 0 ? u == 2 : k == 1 ? v == 2 : k == 2 ? u >= 1 && u < 5 && v >= 1 && v < 5
                                                                   : u == 0 || u == 5 || v == 0 || v == 5;
        if (on) a[i][0][r + u][c + v] += 170;
      }
  }
  return {x.to(torch::kUInt8), y};
}

// An EDM-style PNG folder of `n` shapes; with dataset.json labels when `labelled`.
std::string make_png_folder(const std::string& name, int64_t n, int64_t res, bool labelled) {
  const std::string d = dir() + "/" + name;
  ::mkdir(d.c_str(), 0755);
  ::mkdir((d + "/00000").c_str(), 0755);
  const auto [x, y] = shapes(n, res, 11);
  nlohmann::json labels = nlohmann::json::array();
  for (int64_t i = 0; i < n; ++i) {
    char file[64];
    std::snprintf(file, sizeof file, "00000/img%08lld.png", (long long)i);
    pfgm::io::write_png(d + "/" + file, x[i]);
    labels.push_back({file, y[i].item<int64_t>()});
  }
  if (labelled) write(d + "/dataset.json", nlohmann::json{{"labels", labels}}.dump());
  return d;
}

// MNIST-style idx files: 28×28 shapes, a training split of n and a test split of n / 4.
std::string make_idx_dir(int64_t n) {
  const std::string d = dir() + "/classifier_idx";
  ::mkdir(d.c_str(), 0755);
  auto header = [](std::vector<uint32_t> dims) {
    std::string s{'\0', '\0', '\x08', static_cast<char>(dims.size())};
    for (uint32_t v : dims)
      for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
    return s;
  };
  for (const auto& [prefix, count, seed] : {std::tuple{"train", n, 1}, {"t10k", n / 4, 2}}) {
    const auto [x, y] = shapes(count, 28, seed);
    std::string images = header({uint32_t(count), 28, 28}), labels = header({uint32_t(count)});
    images.append(reinterpret_cast<const char*>(x.contiguous().data_ptr<uint8_t>()), x.numel());
    for (int64_t i = 0; i < count; ++i) labels.push_back(static_cast<char>(y[i].item<int64_t>()));
    for (const auto& [kind, bytes] : {std::pair{"-images-idx3-ubyte.gz", images}, {"-labels-idx1-ubyte.gz", labels}}) {
      gzFile f = gzopen((d + "/" + prefix + kind).c_str(), "wb");
      gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
      gzclose(f);
    }
  }
  return d;
}

// One thread: these tiny runs gain nothing from two, and the tests may run two at a time.
Result run1(const std::string& args) { return run(args + " --threads 1", false); }

double number_after(const std::string& text, const std::string& key) {
  const auto at = text.find(key);
  EXPECT_NE(at, std::string::npos) << key << " not in: " << text;
  return at == std::string::npos ? -1 : std::stod(text.substr(at + key.size()));
}

TEST(ClassifierCli, TrainThenEvalOnAPngFolder) {
  const auto data = make_png_folder("shapes16", 400, 16, true);
  const auto dest = dir() + "/shapes16.safetensors";
  auto r = run1("classifier train --data " + data + " --dest " + dest + " --epochs 5 --batch 16 --lr 5e-3 --width 8 --device cpu");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("360 images (40 held out, seeded 10% split), 4 classes, 1x16x16"), std::string::npos) << r.out;
  const double held = number_after(r.out, "Held-out accuracy ");
  EXPECT_GE(held, 0.9);
  // The per-epoch log beside the output; its last held-out accuracy is the printed one.
  const auto log = slurp(dir() + "/shapes16.jsonl");
  ASSERT_EQ(lines(log), 5) << log;
  nlohmann::json last;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    last = nlohmann::json::parse(line);
    for (const char* k : {"epoch", "loss", "train_accuracy", "heldout_accuracy", "seconds"}) EXPECT_TRUE(last.contains(k)) << line;
  }
  EXPECT_EQ(last["epoch"], 5);
  EXPECT_NEAR(last["heldout_accuracy"].get<double>(), held, 1e-4);
  const auto file = pfgm::io::read_safetensors(dest);
  EXPECT_EQ(file.metadata.at("kind"), "classifier");
  EXPECT_EQ(nlohmann::json::parse(file.metadata.at("config"))["width"], 8);

  r = run1("classifier eval --classifier " + dest + " --data " + data + " --device cpu");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GE(number_after(r.out, "accuracy "), 0.9) << r.out;
  const double mean_max = number_after(r.out, "mean max-probability "), confident = number_after(r.out, ">= 0.9) ");
  EXPECT_GT(mean_max, 0.25);
  EXPECT_LE(mean_max, 1.0);
  EXPECT_GE(confident, 0.0);
  EXPECT_LE(confident, 1.0);
  EXPECT_NE(r.out.find("on 400 images"), std::string::npos) << r.out;

  // Unlabelled images (e.g. generated samples): confidence only.
  const auto unlabelled = make_png_folder("shapes16_unlabelled", 20, 16, false);
  r = run1("classifier eval --classifier " + dest + " --data " + unlabelled + " --device cpu");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("accuracy n/a (no labels)"), std::string::npos) << r.out;
}

TEST(ClassifierCli, HeldOutIsTheTestSplitWhereThereIsOne) {
  const auto data = make_idx_dir(256);
  const auto dest = dir() + "/idx.safetensors";
  auto r = run1("classifier train --data " + data + " --dest " + dest + " --epochs 2 --batch 32 --width 4 --seed 3 --device cpu");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("256 images (64 held out, test split), 4 classes, 1x32x32"), std::string::npos) << r.out;
  r = run1("classifier eval --classifier " + dest + " --data " + data + " --device cpu");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("on 64 images of " + data + " (test split)"), std::string::npos) << r.out;
  r = run1("classifier eval --classifier " + dest + " --data " + data + " --split training --device cpu");
  expect_one_line_error(r, "[--split] got 'training', expected test or train");
}

TEST(ClassifierCli, BadInputsAreOneLineErrorsWithoutOutput) {
  const auto unlabelled = make_png_folder("unlabelled16", 20, 16, false);
  const auto dest = dir() + "/bad.safetensors";
  auto r = run1("classifier train --data " + unlabelled + " --dest " + dest + " --device cpu");
  expect_one_line_error(r, "no labels");
  EXPECT_NE(r.err.find(unlabelled), std::string::npos) << r.err;
  EXPECT_FALSE(exists(dest));
  EXPECT_FALSE(exists(dir() + "/bad.jsonl"));

  const auto labelled = make_png_folder("labelled16", 40, 16, true);
  r = run1("classifier train --data " + labelled + " --dest " + dir() + "/bad.pt --device cpu");
  expect_one_line_error(r, "[--dest]");
  EXPECT_FALSE(exists(dir() + "/bad.pt"));

  // A network snapshot (not a classifier) given as --classifier.
  const auto snapshot = dir() + "/network-snapshot-000000.safetensors";
  pfgm::io::write_safetensors(snapshot, {{"map.weight", torch::zeros({2, 2})}}, {{"config", "{\"model_type\": \"ToyMLP\"}"}});
  r = run1("classifier eval --classifier " + snapshot + " --data " + labelled + " --device cpu");
  expect_one_line_error(r, "not a classifier");
  EXPECT_NE(r.err.find(snapshot), std::string::npos) << r.err;

  // A 16×16 classifier on 32×32 images: names the file and both shapes.
  const auto small = dir() + "/small16.safetensors";
  pfgm::networks::ClassifierConfig config;
  config.resolution = 16;
  config.width = 2;
  pfgm::networks::Classifier net(config);
  pfgm::networks::save_classifier(small, net);
  const auto big = make_png_folder("labelled32", 12, 32, true);
  r = run1("classifier eval --classifier " + small + " --data " + big + " --device cpu");
  expect_one_line_error(r, small);
  EXPECT_NE(r.err.find("[12, 1, 32, 32]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[B, 1, 16, 16]"), std::string::npos) << r.err;
}

}  // namespace
