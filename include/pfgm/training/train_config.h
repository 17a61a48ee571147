#pragma once
// How a PFGM++ image run is configured, as train.py does it: a preset's model and training
// defaults (or train.py's --arch networks), then train.py's defaults for what the preset leaves
// open, then the caller's overrides. Pure: it reads no files; the dataset fills in the image shape
// and the classes afterwards (model_config_for).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pfgm/data/image_dataset.h"
#include "pfgm/networks/model_config.h"
#include "pfgm/samplers/solver.h"
#include "pfgm/training/image_pipeline.h"
#include "pfgm/training/trainer.h"

namespace pfgm::training {

// Overrides with train.py's names and units; 0, −1 or "" leave the default.
struct TrainOverrides {
  std::string preset;       // model and training defaults (networks/presets.h); "" with arch: train.py's
  std::string arch;         // ddpmpp | ncsnpp | adm: train.py's CIFAR-10/ImageNet networks
  std::string data;         // dataset path; "" takes the preset's
  int pfgmpp = -1;          // 1: finite D (aug_dim), 0: D = ∞; −1: the preset's D
  std::string aug_dim;      // D
  int64_t cbase = 0, nblock = 0;
  std::vector<int64_t> cres;
  double dropout = -1, augment = -1;
  bool fp16 = false;        // use_fp16
  double duration = 0;      // Mimg
  int64_t batch = 0, batch_gpu = 0;
  double lr = 0, lr_rampup = -1, ema = 0;  // ramp-up and EMA half-life in Mimg
  double lr_decay = -1;     // share of the run at its end with lr falling linearly to 0
  double ema_rampup = -1;   // EMA half-life at most this share of the images seen (EDM's ema_rampup_ratio)
  double ls = 1;            // loss scaling
  double tick = 0;          // kimg
  int64_t snap = -1, dump = -1;
  uint64_t seed = 0;
  bool transfer = false;    // starting from another network's weights: no EMA ramp-up (spec 5.7)
  int64_t steps = 0;        // solver steps of the samples after training
  std::string solver;       // their ODE solver: heun | euler ("" the preset's)
  int64_t fd = -1;          // samples of the quality report (0: none)
  bool cond = false, xflip = false, official_clip = false;
  int channels_last = -1;   // 1: NHWC weights and images, 0: NCHW; −1 the preset's
  std::string amp;          // autocast: fp32 | bf16 | fp16 ("" the preset's)
};

struct TrainConfig {
  std::string preset;          // the preset used ("" with arch)
  std::string data;            // the dataset to read
  nlohmann::json network;      // the model config before the dataset (model_config_for)
  TrainOptions options;        // dataset_size and outdir still to fill
  ImagePipeline pipeline;
  int64_t sample_steps = 18;   // solver steps of the samples after training
  samplers::Solver sample_solver = samplers::Solver::Heun;  // a fixed-step solver
  int64_t fd_count = 0;        // samples of the quality report
};

// `device`: where it will train, for amp "auto".
TrainConfig resolve_train_config(const TrainOverrides& overrides, c10::DeviceType device = c10::DeviceType::CPU);

// The model config for `dataset`: its resolution, channels and (when conditional) classes.
networks::ModelConfig model_config_for(const TrainConfig& config, const data::ImageDataset& dataset);

// train.py's arch name of a model: adm, ddpmpp or ncsnpp (else the family's name).
std::string arch_name(const networks::ModelConfig& config);

}  // namespace pfgm::training
