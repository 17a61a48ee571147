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

// The original PFGM's settings (configs/poisson/*.py, spec 7.1–7.6); negative values leave the
// preset's, which are the official ones unless the preset says otherwise.
struct PFGMOverrides {
  int64_t large_batch = -1;       // training.batch_size: images whose field is the target
  double tau = -1, sigma_end = -1, M = -1;  // the perturbation (M = 0: App. B.2 from the data)
  int restrict_M = -1, reduce_mean = -1;    // 0 | 1
  double gamma = -1;              // field normalisation
  double z_max = -1;              // sampling.z_max (0: App. B.2 from the data)
  double z_exp = -1;              // sampling.z_exp (0: off)
  double upper_norm = -1;         // the prior's radius clip (0: the exact law)
  double grad_clip = -1;          // optim.grad_clip (0: off)
  double ema_rate = -1;           // model.ema_rate (0: EDM's half-life EMA, --ema)
};

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
  int64_t keep = 0;         // training states kept (the newest; 0: all)
  uint64_t seed = 0;
  bool transfer = false;    // starting from another network's weights: no EMA ramp-up (spec 5.7)
  int64_t steps = 0;        // solver steps of the samples after training
  std::string solver;       // their ODE solver: heun | euler ("" the preset's)
  int64_t fd = -1;          // samples of the quality report (0: none)
  bool cond = false, xflip = false, official_clip = false;
  int channels_last = -1;   // 1: NHWC weights and images, 0: NCHW; −1 the preset's
  std::string amp;          // autocast: fp32 | bf16 | fp16 ("" the preset's)
  std::string objective;    // pfgmpp | pfgm (original PFGM; default preset fashion-mnist-pfgm); "" the preset's
  PFGMOverrides pfgm;
  bool stf = false;         // PFGM++: the stable target field over rbatch reference images
  int64_t rbatch = 0;       // its references per round (0: 4096, the official default)
  bool lsun = false;        // training σ × 380/80 and the sampling σ_max with it (the official --lsun)
  double radius_quantile = -1;  // finite D and PFGM: kernel and prior truncated at this quantile (−1: the preset's, else 1)
};

struct TrainConfig {
  std::string preset;          // the preset used ("" with arch)
  std::string data;            // the dataset to read
  nlohmann::json network;      // the model config before the dataset (model_config_for)
  TrainOptions options;        // dataset_size and outdir still to fill
  ImagePipeline pipeline;
  int64_t sample_steps = 18;   // solver steps of the samples after training
  samplers::Solver sample_solver = samplers::Solver::Heun;  // fixed-step (PFGM: also rk45)
  int64_t fd_count = 0;        // samples of the quality report
  bool pfgm = false;           // the original PFGM objective (the network's precond is pfgm)
  PFGMOverrides pfgm_given;    // what the caller set (fit_pfgm_to_data leaves those alone)
};

// `device`: where it will train, for amp "auto".
TrainConfig resolve_train_config(const TrainOverrides& overrides, c10::DeviceType device = c10::DeviceType::CPU);

// Original PFGM: M = 0 and z_max = 0 take PFGM's App. B.2 values for `dataset`'s mean squared norm
// (physics::pfgm_hyperparameters); with z_max from the data, upper_norm and z_exp not given by the
// caller become App. B.2's upper_norm and z_max/8 (CIFAR-10's official ratio, 5/40).
void fit_pfgm_to_data(TrainConfig& config, const data::ImageDataset& dataset);

// The model config for `dataset`: its resolution, channels and (when conditional) classes.
networks::ModelConfig model_config_for(const TrainConfig& config, const data::ImageDataset& dataset);

// train.py's arch name of a model: adm, ddpmpp or ncsnpp (else the family's name).
std::string arch_name(const networks::ModelConfig& config);

}  // namespace pfgm::training
