#pragma once
// The image training pipeline of EDM's training loop (spec 5.5, 6.2) as one loss: data items
// (with x-flipped copies), the augment pipe on the clean images with its labels conditioning the
// network, class labels, memory format, and autocast of the forward pass. The loss is PFGM++'s, or
// for a PFGM model the original PFGM's with the field of a large batch (spec 7.1–7.2).
#include <c10/core/Device.h>

#include "pfgm/data/image_dataset.h"
#include "pfgm/networks/model_config.h"
#include "pfgm/physics/pfgm_perturbation.h"
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
  // Original PFGM: each step draws large_batch images (at least the round's), perturbs the first
  // ones and learns the normalised field of all of them (configs/poisson/*.py).
  physics::PFGMPerturbationOptions pfgm_perturbation;  // τ, σ, M, restrict_M
  int64_t large_batch = 4096;
  bool reduce_mean = false;    // the loss per image is the mean over its N + 1 coordinates, not the sum
  // PFGM++: the stable target field (--stf): each round draws rbatch images, the first ones are
  // the batch, all of them the references (the others augmented by their own pipe call).
  bool stf = false;
  int64_t rbatch = 4096;
  double sigma_scale = 1;      // --lsun: training σ × 380/80
};

// Items the data sampler walks over: n images, or 2n with x-flips.
int64_t pipeline_items(const data::ImageDataset& dataset, const ImagePipeline& pipeline);

// The per-element PFGM++ loss of `config` (D, σ distribution, σ_data) over `dataset`, whose images
// and labels are copied to `device` once.
LossFn image_loss(const data::ImageDataset& dataset, const networks::ModelConfig& config, const ImagePipeline& pipeline,
                  c10::Device device);

}  // namespace pfgm::training
