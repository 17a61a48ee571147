// `pfgm classifier train`: pfgm's own domain classifier on a labelled image dataset, with a held-out
// accuracy and a per-epoch log beside the weights.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "classifier_run.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/atomic_file.h"
#include "run_control.h"

namespace pfgm::cli {

namespace {

namespace fs = std::filesystem;

// "<dest without .safetensors>.jsonl": one JSON object per epoch.
std::string log_path(const std::string& dest) {
  fs::path p = dest;
  p.replace_extension(".jsonl");
  return p.string();
}

void print_train_progress(const training::ClassifierProgress& p) {
  static auto last = std::chrono::steady_clock::time_point{};
  const bool tty = ::isatty(2);
  const auto now = std::chrono::steady_clock::now();
  if (p.epoch_end) {
    std::fprintf(stderr, "%sepoch %lld/%lld  loss %.4f  train acc %.4f  held-out acc %.4f  %.1f s%s\n", tty ? "\r" : "",
                 (long long)p.epoch, (long long)p.epochs, p.loss, p.train_accuracy, p.heldout_accuracy, p.epoch_s,
                 tty ? "                    " : "");
    return;
  }
  if (!tty || now - last < std::chrono::milliseconds(250)) return;
  last = now;
  std::fprintf(stderr, "\rstep %lld/%lld  epoch %lld/%lld  loss %.4f  %.0f img/s  ETA %s   ", (long long)p.step,
               (long long)p.total_steps, (long long)p.epoch, (long long)p.epochs, p.loss, p.images_per_s,
               format_duration(p.eta_s).c_str());
}

// Training images x, y and held-out images hx, hy with their labels.
struct Splits {
  torch::Tensor x, y, hx, hy;
  std::string heldout_name;
  int64_t label_dim = 0;  // the dataset's declared classes
};

// Training and held-out images: the format's test split where it has one, else a seeded 10%.
Splits load_splits(const ClassifierTrainArgs& a) {
  const auto format = data::detect_dataset_format(a.data);
  data::ImageDatasetOptions load;
  load.max_size = a.max_images;
  load.seed = a.train.seed;
  auto train = data::load_image_dataset(a.data, load);
  PFGM_CHECK(train.labels.defined(), "[--data] ", a.data,
             ": the images have no labels, expected a labelled dataset (dataset.json \"labels\", class sub-folders, "
             "idx or CIFAR-10 label files)");
  Splits s;
  s.label_dim = train.label_dim;
  if (data::has_test_split(format)) {
    load.train = false;
    auto test = data::load_image_dataset(a.data, load);
    PFGM_CHECK(test.labels.defined(), "[--data] ", a.data, ": the test split has no labels");
    s.x = train.images, s.y = train.labels, s.hx = test.images, s.hy = test.labels;
    s.heldout_name = "test split";
  } else {
    const int64_t n = train.images.size(0);
    PFGM_CHECK(n >= 2, "[--data] ", a.data, ": got ", n, " image, expected at least 2 (1 held out)");
    auto gen = core::make_generator(a.train.seed);
    const auto order = torch::randperm(n, gen, torch::kInt64);
    const int64_t held = std::max<int64_t>(1, n / 10);
    s.hx = train.images.index_select(0, order.narrow(0, 0, held));
    s.hy = train.labels.index_select(0, order.narrow(0, 0, held));
    s.x = train.images.index_select(0, order.narrow(0, held, n - held));
    s.y = train.labels.index_select(0, order.narrow(0, held, n - held));
    s.heldout_name = "seeded 10% split";
  }
  return s;
}

}  // namespace

void run_classifier_train(ClassifierTrainArgs a) {
  core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  PFGM_CHECK(a.dest.size() > 12 && a.dest.compare(a.dest.size() - 12, 12, ".safetensors") == 0, "[--dest] got '",
             a.dest, "', expected a file name ending in .safetensors (the detector kind pfgm fid picks by name)");
  PFGM_CHECK(a.max_images == -1 || a.max_images >= 2, "[--max-images] got ", a.max_images,
             ", expected ≥ 2 (or -1: all)");

  const auto [x, y, hx, hy, heldout_name, label_dim] = load_splits(a);
  const int64_t classes = std::max(label_dim, std::max(y.max().item<int64_t>(), hy.max().item<int64_t>()) + 1);
  PFGM_CHECK(classes >= 2, "[--data] ", a.data, ": got ", classes, " class, expected at least 2");
  PFGM_CHECK((x.size(1) == 1 || x.size(1) == 3) && x.size(2) == x.size(3) && x.size(2) >= 8 &&
                 (x.size(2) & (x.size(2) - 1)) == 0,
             "[--data] ", a.data, ": images ", x.size(1), "x", x.size(2), "x", x.size(3),
             ", expected 1 or 3 channels of a square power-of-two side ≥ 8");

  a.net.channels = x.size(1);
  a.net.resolution = x.size(2);
  a.net.num_classes = classes;
  networks::Classifier net(a.net, a.train.seed);
  net->to(device);
  std::printf("Training a classifier on %s: %lld images (%lld held out, %s), %lld classes, %lldx%lldx%lld; %lld "
              "parameters; %lld epochs of batch %lld on %s\n",
              a.data.c_str(), (long long)x.size(0), (long long)hx.size(0), heldout_name.c_str(), (long long)classes,
              (long long)a.net.channels, (long long)a.net.resolution, (long long)a.net.resolution,
              (long long)[&] {
                int64_t k = 0;
                for (const auto& p : net->parameters()) k += p.numel();
                return k;
              }(),
              (long long)a.train.epochs, (long long)a.train.batch, device.str().c_str());
  std::fflush(stdout);

  const auto r = training::train_classifier(net, x, y, hx, hy, a.train, print_train_progress);

  nlohmann::json meta_options = {{"data", a.data},          {"epochs", a.train.epochs}, {"batch", a.train.batch},
                                 {"lr", a.train.lr},        {"seed", a.train.seed},     {"xflip", a.train.xflip},
                                 {"heldout", heldout_name}, {"train_images", x.size(0)}};
  char acc[32];
  std::snprintf(acc, sizeof acc, "%.6f", r.heldout_accuracy);
  net->to(torch::kCPU);
  networks::save_classifier(a.dest, net, {{"training", meta_options.dump()}, {"heldout_accuracy", acc}});
  io::write_atomically(log_path(a.dest), [&](std::ostream& out) {
    for (const auto& e : r.epochs)
      out << nlohmann::json{{"epoch", e.epoch},
                            {"loss", e.loss},
                            {"train_accuracy", e.train_accuracy},
                            {"heldout_accuracy", e.heldout_accuracy},
                            {"seconds", e.seconds}}
                 .dump()
          << "\n";
  });
  std::printf("Held-out accuracy %.4f (%s, %lld images) after %.1f s; wrote %s and %s\n", r.heldout_accuracy,
              heldout_name.c_str(), (long long)hx.size(0), r.seconds, a.dest.c_str(), log_path(a.dest).c_str());
}

}  // namespace pfgm::cli
