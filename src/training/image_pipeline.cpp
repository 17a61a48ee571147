#include "pfgm/training/image_pipeline.h"

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/pixels.h"
#include "pfgm/training/augment_pipe.h"
#include "pfgm/training/losses.h"

namespace pfgm::training {

int64_t pipeline_items(const data::ImageDataset& dataset, const ImagePipeline& pipeline) {
  return (pipeline.xflip ? 2 : 1) * dataset.images.size(0);
}

LossFn image_loss(const data::ImageDataset& dataset, const networks::ModelConfig& config, const ImagePipeline& pipeline,
                  c10::Device device) {
  PFGM_CHECK(!pipeline.use_labels || dataset.labels.defined(), "[use_labels] ", dataset.source, " has no labels");
  PFGM_CHECK(pipeline.precision != Precision::FP16 || device.is_cuda(),
             "[precision] fp16 autocast needs a CUDA device; use bf16 or fp32 on the CPU");
  const int64_t n = dataset.images.size(0);
  const auto images = dataset.images.to(device);
  const auto labels = pipeline.use_labels
                          ? at::one_hot(dataset.labels, dataset.label_dim).to(device, at::kFloat)
                          : at::Tensor();
  PFGMPPLoss l;
  l.kernel = {config.D, pipeline.official_clip, config.radius_quantile};
  l.sigma_dist = {config.P_mean, config.P_std, pipeline.sigma_scale};
  l.sigma_data = config.sigma_data;
  AugmentOptions aug;
  aug.p = pipeline.augment;
  // `count` data items in the model's range; items ≥ n are the x-flipped copies (--xflip, spec 6.2).
  auto draw = [=](Batch& batch, int64_t count, at::Tensor* item_out) {
    const auto idx = batch.indices(count).to(device);
    const auto item = idx.remainder(n);
    auto y = io::to_model_range(images.index_select(0, item));
    if (pipeline.xflip) y = at::where((idx >= n).view({-1, 1, 1, 1}), y.flip({3}), y);
    if (item_out) *item_out = item;
    return y;
  };
  if (config.precond == networks::Precond::PFGM) {
    PFGM_CHECK(aug.p == 0 && !pipeline.use_labels, "[objective] the original PFGM network takes neither augment "
               "nor class labels: use --augment 0 and no --cond");
    PFGMLoss pfgm;
    pfgm.perturbation = pipeline.pfgm_perturbation;
    pfgm.gamma = config.gamma;
    const int64_t N = config.N;
    return [=](networks::Model& m, Batch& batch, int64_t count) {
      // The large batch includes the perturbed small one (its first `count` images).
      auto Y = draw(batch, std::max(pipeline.large_batch, count), nullptr);
      AutocastGuard autocast(device.type(), pipeline.precision);  // the field target stays float64
      const auto loss = pfgm(m, Y.narrow(0, 0, count), Y, batch.gen);
      return pipeline.reduce_mean ? loss / double(N + 1) : loss;
    };
  }
  return [=](networks::Model& m, Batch& batch, int64_t count) {
    at::Tensor item;
    // STF: the references are the round's rbatch images, the batch their first `count`.
    auto Y = draw(batch, pipeline.stf ? std::max(pipeline.rbatch, count) : count, &item);
    auto y = Y.narrow(0, 0, count);
    item = item.narrow(0, 0, count);
    // Each item's augmentation, σ and perturbation come from its own generator (trainer.h, Batch).
    auto gens = batch.item_generators(count);
    at::Tensor augment_labels, references;
    if (aug.p > 0) {
      // EDMLoss: the pipe augments the clean images, its labels condition the network (spec 5.5).
      std::vector<at::Tensor> images, labels;
      for (int64_t i = 0; i < count; ++i) {
        auto r = augment(y.narrow(0, i, 1), aug, gens[static_cast<size_t>(i)]);
        images.push_back(r.images);
        labels.push_back(r.labels);
      }
      y = torch::cat(images);
      augment_labels = torch::cat(labels);
    }
    if (pipeline.stf) {
      auto others = Y.narrow(0, count, Y.size(0) - count);
      if (aug.p > 0 && others.size(0) > 0) others = augment(others, aug, batch.gen).images;  // labels unused
      references = torch::cat({y, others});
    }
    if (pipeline.channels_last) y = y.contiguous(at::MemoryFormat::ChannelsLast);
    AutocastGuard autocast(device.type(), pipeline.precision);  // the forward pass only; the STF target is float64
    const auto perturbed = l.perturb(y, gens);
    return l.loss_at(m, y, perturbed, pipeline.use_labels ? labels.index_select(0, item) : at::Tensor(), augment_labels,
                     references);
  };
}

}  // namespace pfgm::training
