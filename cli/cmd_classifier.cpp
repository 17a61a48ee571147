// `pfgm classifier train | eval`: pfgm's own domain classifier, the download-free feature detector
// of `pfgm fid` (networks/classifier.h, training/classifier_training.h). The flags; classifier_train.cpp
// and classifier_eval.cpp run the commands.
#include <memory>

#include "classifier_run.h"
#include "commands.h"

namespace pfgm::cli {

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
  train->add_option("--batch", t->train.batch, "images per Adam step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
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
  train->callback([t] { run_classifier_train(*t); });

  auto e = std::make_shared<ClassifierEvalArgs>();
  auto* ev = c->add_subcommand("eval", "accuracy and confidence of a classifier on a dataset");
  ev->add_option("--classifier", e->classifier, "a .safetensors file written by pfgm classifier train")->required();
  ev->add_option("--data", e->data, "images: any dataset pfgm reads (without labels: confidence only)")->required();
  ev->add_option("--split", e->split, "test | train: the split of formats that have one")->capture_default_str();
  ev->add_option("--batch", e->batch, "images per forward pass")->check(CLI::PositiveNumber)->capture_default_str();
  ev->add_option("--max-images", e->max_images, "use at most this many images (-1: all)")->capture_default_str();
  ev->add_option("--device", e->device, "auto | cpu | cuda")->capture_default_str();
  ev->add_option("--threads", e->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  ev->callback([e] { run_classifier_eval(*e); });
}

}  // namespace pfgm::cli
