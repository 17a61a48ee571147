#include "pfgm/training/classifier_training.h"

#include <chrono>
#include <cmath>

#include <torch/optim/adam.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"

namespace pfgm::training {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void check_labels(const networks::Classifier& net, const torch::Tensor& images, const torch::Tensor& labels,
                  const std::string& where) {
  net->check_images(images, where);
  PFGM_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == images.size(0) &&
                 labels.scalar_type() == torch::kInt64,
             where, " labels: got ", labels.defined() ? labels.sizes() : at::IntArrayRef{}, ", expected int64 [",
             images.size(0), "]");
  if (labels.numel() == 0) return;
  const int64_t lo = labels.min().item<int64_t>(), hi = labels.max().item<int64_t>();
  PFGM_CHECK(lo >= 0 && hi < net->config().num_classes, where, " labels: got values in ", lo, "…", hi,
             ", expected 0…", net->config().num_classes - 1);
}

}  // namespace

torch::Tensor predict_classes(networks::Classifier& net, const torch::Tensor& images, int64_t batch) {
  PFGM_CHECK(batch >= 1, "[predict_classes] batch: got ", batch, ", expected ≥ 1");
  net->check_images(images, "[predict_classes]");
  at::NoGradGuard no_grad;
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < images.size(0); i += batch) {
    const int64_t b = std::min(batch, images.size(0) - i);
    out.push_back(net->forward(images.narrow(0, i, b)).argmax(1).to(torch::kCPU));
  }
  return out.empty() ? torch::empty({0}, torch::kInt64) : torch::cat(out);
}

double classifier_accuracy(networks::Classifier& net, const torch::Tensor& images, const torch::Tensor& labels,
                           int64_t batch) {
  check_labels(net, images, labels, "[classifier_accuracy]");
  PFGM_CHECK(images.size(0) > 0, "[classifier_accuracy] no images");
  return predict_classes(net, images, batch).eq(labels).to(torch::kFloat64).mean().item<double>();
}

ClassifierTrainResult train_classifier(networks::Classifier& net, const torch::Tensor& images,
                                       const torch::Tensor& labels, const torch::Tensor& heldout_images,
                                       const torch::Tensor& heldout_labels, const ClassifierTrainOptions& o,
                                       const std::function<void(const ClassifierProgress&)>& on_progress) {
  PFGM_CHECK(o.epochs >= 1, "[train_classifier] epochs: got ", o.epochs, ", expected ≥ 1");
  PFGM_CHECK(o.batch >= 1, "[train_classifier] batch: got ", o.batch, ", expected ≥ 1");
  PFGM_CHECK(o.lr > 0, "[train_classifier] lr: got ", o.lr, ", expected > 0");
  check_labels(net, images, labels, "[train_classifier] training");
  const bool heldout = heldout_images.defined();
  if (heldout) check_labels(net, heldout_images, heldout_labels, "[train_classifier] held-out");
  const int64_t n = images.size(0);
  const int64_t steps_per_epoch = n / o.batch;
  PFGM_CHECK(steps_per_epoch >= 1, "[train_classifier] training set: got ", n, " images, expected at least one batch of ",
             o.batch);
  const int64_t total_steps = steps_per_epoch * o.epochs;
  const auto device = net->device();
  const auto images_cpu = images.to(torch::kCPU), labels_cpu = labels.to(torch::kCPU);

  auto gen = core::make_generator(o.seed);
  torch::optim::Adam adam(net->parameters(),
                          torch::optim::AdamOptions(o.lr).betas({o.beta1, o.beta2}).weight_decay(o.weight_decay));
  ClassifierTrainResult result;
  ClassifierProgress p;
  p.total_steps = total_steps;
  p.epochs = o.epochs;
  const auto t0 = Clock::now();
  int64_t step = 0;
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    const auto te = Clock::now();
    net->train();
    const auto order = torch::randperm(n, gen, torch::kInt64);
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t k = 0; k < steps_per_epoch; ++k, ++step) {
      // Minibatch: the next `batch` of this epoch's permutation, each image mirrored with probability 1/2.
      const auto idx = order.narrow(0, k * o.batch, o.batch);
      auto x = images_cpu.index_select(0, idx);
      if (o.xflip) {
        const auto flip = torch::rand({o.batch}, gen).lt(0.5).view({-1, 1, 1, 1});
        x = torch::where(flip, x.flip({3}), x);
      }
      const auto y = labels_cpu.index_select(0, idx).to(device);

      // Cosine learning-rate decay from lr to 0 over all steps.
      const double lr = o.lr * 0.5 * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(total_steps)));
      for (auto& group : adam.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);

      const auto logits = net->forward(x.to(device));
      const auto loss = torch::cross_entropy_loss(logits, y);
      adam.zero_grad();
      loss.backward();
      adam.step();

      loss_sum += loss.item<double>();
      correct += logits.detach().argmax(1).eq(y).sum().item<int64_t>();
      const double elapsed = seconds_since(t0);
      p.step = step + 1;
      p.epoch = epoch;
      p.loss = loss_sum / static_cast<double>(k + 1);
      p.train_accuracy = static_cast<double>(correct) / static_cast<double>((k + 1) * o.batch);
      p.images_per_s = static_cast<double>(p.step * o.batch) / std::max(elapsed, 1e-9);
      p.eta_s = static_cast<double>((total_steps - p.step) * o.batch) / p.images_per_s;
      p.epoch_end = k + 1 == steps_per_epoch;
      p.heldout_accuracy = -1;
      p.epoch_s = 0;
      if (p.epoch_end) {
        net->eval();
        if (heldout) p.heldout_accuracy = classifier_accuracy(net, heldout_images, heldout_labels, o.eval_batch);
        p.epoch_s = seconds_since(te);
        result.epochs.push_back({epoch, p.loss, p.train_accuracy, p.heldout_accuracy, p.epoch_s});
      }
      if (on_progress) on_progress(p);
    }
  }
  net->eval();
  result.heldout_accuracy = result.epochs.back().heldout_accuracy;
  result.seconds = seconds_since(t0);
  return result;
}

}  // namespace pfgm::training
