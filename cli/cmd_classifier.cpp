// `pfgm classifier train | eval`: pfgm's own domain classifier, the download-free feature detector
// of `pfgm fid` (networks/classifier.h, training/classifier_training.h).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "commands.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/eval/detector.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/networks/classifier.h"
#include "pfgm/training/classifier_training.h"
#include "run_control.h"

namespace pfgm::cli {

namespace {

namespace fs = std::filesystem;

struct ClassifierTrainArgs {
  std::string data, dest, device = "auto";
  training::ClassifierTrainOptions train;
  networks::ClassifierConfig net;
  int64_t max_images = -1;
  int threads = 0;
};

struct ClassifierEvalArgs {
  std::string classifier, data, device = "auto", split = "test";
  int64_t batch = 1000, max_images = -1;
  int threads = 0;
};

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

void run_train(ClassifierTrainArgs a) {
  core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  PFGM_CHECK(a.dest.size() > 12 && a.dest.compare(a.dest.size() - 12, 12, ".safetensors") == 0, "[--dest] got '",
             a.dest, "', expected a file name ending in .safetensors (the detector kind pfgm fid picks by name)");
  PFGM_CHECK(a.max_images == -1 || a.max_images >= 2, "[--max-images] got ", a.max_images, ", expected ≥ 2 (or -1: all)");

  // Training and held-out images: the format's test split where it has one, else a seeded 10%.
  const auto format = data::detect_dataset_format(a.data);
  data::ImageDatasetOptions load;
  load.max_size = a.max_images;
  load.seed = a.train.seed;
  auto train = data::load_image_dataset(a.data, load);
  PFGM_CHECK(train.labels.defined(), "[--data] ", a.data,
             ": the images have no labels, expected a labelled dataset (dataset.json \"labels\", class sub-folders, "
             "idx or CIFAR-10 label files)");
  torch::Tensor x, y, hx, hy;
  std::string heldout_name;
  if (data::has_test_split(format)) {
    load.train = false;
    auto test = data::load_image_dataset(a.data, load);
    PFGM_CHECK(test.labels.defined(), "[--data] ", a.data, ": the test split has no labels");
    x = train.images, y = train.labels, hx = test.images, hy = test.labels;
    heldout_name = "test split";
  } else {
    const int64_t n = train.images.size(0);
    PFGM_CHECK(n >= 2, "[--data] ", a.data, ": got ", n, " image, expected at least 2 (1 held out)");
    auto gen = core::make_generator(a.train.seed);
    const auto order = torch::randperm(n, gen, torch::kInt64);
    const int64_t held = std::max<int64_t>(1, n / 10);
    hx = train.images.index_select(0, order.narrow(0, 0, held));
    hy = train.labels.index_select(0, order.narrow(0, 0, held));
    x = train.images.index_select(0, order.narrow(0, held, n - held));
    y = train.labels.index_select(0, order.narrow(0, held, n - held));
    heldout_name = "seeded 10% split";
  }
  const int64_t classes = std::max(train.label_dim, std::max(y.max().item<int64_t>(), hy.max().item<int64_t>()) + 1);
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

void run_eval(const ClassifierEvalArgs& a) {
  core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  PFGM_CHECK(a.split == "test" || a.split == "train", "[--split] got '", a.split, "', expected test or train");
  auto detector = eval::make_classifier_detector(a.classifier, device);
  const auto format = data::detect_dataset_format(a.data);
  data::ImageDatasetOptions load;
  load.max_size = a.max_images;
  load.train = !(a.split == "test" && data::has_test_split(format));
  const auto d = data::load_image_dataset(a.data, load);
  const int64_t n = d.images.size(0);
  PFGM_CHECK(n > 0, "[--data] ", a.data, ": no images");

  std::vector<torch::Tensor> probs;
  for (int64_t i = 0; i < n; i += a.batch) probs.push_back(detector->detect(d.images.narrow(0, i, std::min(a.batch, n - i))).probs);
  const auto p = torch::cat(probs);
  const auto [max_p, predicted] = p.max(1);
  const double mean_max = max_p.mean().item<double>();
  const double confident = max_p.ge(0.9).to(torch::kFloat64).mean().item<double>();
  const std::string split = data::has_test_split(format) ? (load.train ? "train split" : "test split") : "all images";
  if (d.labels.defined()) {
    PFGM_CHECK(d.labels.max().item<int64_t>() < p.size(1), "[--data] ", a.data, ": labels up to ",
               d.labels.max().item<int64_t>(), ", but the classifier ", a.classifier, " has ", p.size(1), " classes");
    const int64_t right = predicted.eq(d.labels).sum().item<int64_t>();
    std::printf("accuracy %.4f (%lld/%lld)  ", static_cast<double>(right) / static_cast<double>(n), (long long)right,
                (long long)n);
  } else {
    std::printf("accuracy n/a (no labels)  ");
  }
  std::printf("mean max-probability %.4f  confident (max-probability >= 0.9) %.4f  on %lld images of %s (%s)\n",
              mean_max, confident, (long long)n, a.data.c_str(), split.c_str());
}

}  // namespace

void add_classifier_command(CLI::App& app) {
  auto* c = app.add_subcommand("classifier", "pfgm's own image classifier, the feature detector of pfgm fid (FD, IS)");
  c->require_subcommand(1);

  auto t = std::make_shared<ClassifierTrainArgs>();
  auto* train = c->add_subcommand("train", "train a classifier on a labelled image dataset");
  train->add_option("--data", t->data, "a labelled dataset: fashion-mnist, idx folder, CIFAR-10, .zip or PNG folder")
      ->required();
  train->add_option("--dest", t->dest, "output .safetensors (the per-epoch log goes beside it as .jsonl)")->required();
  train->add_option("--epochs", t->train.epochs, "passes over the training images")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--batch", t->train.batch, "images per Adam step")->check(CLI::PositiveNumber)->capture_default_str();
  train->add_option("--lr", t->train.lr, "Adam learning rate (cosine decay to 0)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--seed", t->train.seed, "weights, data order, flips, held-out split")->capture_default_str();
  train->add_option("--xflip", t->train.xflip, "random left-right flips (1/0)")->capture_default_str();
  train->add_option("--width", t->net.width, "channels of the first stage (doubled per stage)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--features", t->net.features, "width F of the penultimate features")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--max-images", t->max_images, "use at most this many images of each split (-1: all)")
      ->capture_default_str();
  train->add_option("--device", t->device, "auto | cpu | cuda")->capture_default_str();
  train->add_option("--threads", t->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  train->callback([t] { run_train(*t); });

  auto e = std::make_shared<ClassifierEvalArgs>();
  auto* ev = c->add_subcommand("eval", "accuracy and confidence of a classifier on a dataset");
  ev->add_option("--classifier", e->classifier, "a .safetensors file written by pfgm classifier train")->required();
  ev->add_option("--data", e->data, "images: any dataset pfgm reads (without labels: confidence only)")->required();
  ev->add_option("--split", e->split, "test | train: the split of formats that have one")->capture_default_str();
  ev->add_option("--batch", e->batch, "images per forward pass")->check(CLI::PositiveNumber)->capture_default_str();
  ev->add_option("--max-images", e->max_images, "use at most this many images (-1: all)")->capture_default_str();
  ev->add_option("--device", e->device, "auto | cpu | cuda")->capture_default_str();
  ev->add_option("--threads", e->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  ev->callback([e] { run_eval(*e); });
}

}  // namespace pfgm::cli
