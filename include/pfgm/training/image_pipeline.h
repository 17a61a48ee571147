#pragma once
// The image training pipeline of EDM's training loop (spec 5.5, 6.2) as one PFGM++ loss: data items
// (with x-flipped copies), the augment pipe on the clean images with its labels conditioning the
// network, class labels, memory format, and autocast of the forward pass.
#include <c10/core/Device.h>

#include "pfgm/data/image_dataset.h"
#include "pfgm/networks/model_config.h"
#include "pfgm/training/mixed_precision.h"
#include "pfgm/training/trainer.h"

namespace pfgm::training {

struct ImagePipeline {
  bool xflip = false;          // items ≥ n are the x-flipped images (the sampler walks 2n items)
  double augment = 0;          // augment probability p (0: no pipe)
  bool use_labels = false;     // condition on the dataset's one-hot labels
  bool official_clip = false;  // the official Beta clip of the perturbation draw
  Precision precision = Precision::FP32;  // autocast of the forward pass
  bool channels_last = false;  // images in NHWC (the model: set_channels_last)
};

// Items the data sampler walks over: n images, or 2n with x-flips.
int64_t pipeline_items(const data::ImageDataset& dataset, const ImagePipeline& pipeline);

// The per-element PFGM++ loss of `config` (D, σ distribution, σ_data) over `dataset`, whose images
// and labels are copied to `device` once.
LossFn image_loss(const data::ImageDataset& dataset, const networks::ModelConfig& config, const ImagePipeline& pipeline,
                  c10::Device device);

}  // namespace pfgm::training
