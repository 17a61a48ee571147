#include "pfgm/training/train_config.h"

#include <algorithm>
#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/networks/presets.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/training/augment_pipe.h"

namespace pfgm::training {

namespace {
using nlohmann::json;

// train.py's defaults (spec 5.1); a preset's "training" entries replace them, overrides replace both.
const json kOfficialTraining = {{"duration", 200.0}, {"batch", 512},    {"lr", 1e-3},  {"lr_rampup", 10.0},
                                {"ema", 0.5},        {"augment", 0.12}, {"tick", 50.0}, {"snap", 50},
                                {"dump", 50},        {"steps", 18},     {"fd", 0},
                                {"solver", "heun"},  {"amp", "fp32"},   {"channels_last", false},
                                {"ema_rampup", 0.05}, {"lr_decay", 0.0}};

// The model and training defaults of a preset or of train.py's --arch.
std::pair<json, json> defaults(const TrainOverrides& o, std::string& preset_name) {
  json network, training = kOfficialTraining;
  PFGM_CHECK(o.preset.empty() || o.arch.empty(), "[arch] give a preset or an arch, not both");
  if (!o.arch.empty()) {
    PFGM_CHECK(o.arch == "ddpmpp" || o.arch == "ncsnpp" || o.arch == "adm", "[arch] ", o.arch,
               ": expected ddpmpp, ncsnpp or adm");
    network = networks::preset_config(o.arch == "adm" ? "imagenet64-adm" : "cifar10-" + o.arch);
    network["label_dim"] = 0;
    network["dropout"] = 0.13;
    network["D"] = o.pfgmpp == 1 ? json(128) : json("inf");  // train.py: --pfgmpp off means EDM
    return {network, training};
  }
  preset_name = o.preset.empty() ? "fashion-mnist" : o.preset;
  const auto& preset = networks::preset(preset_name);
  PFGM_CHECK(preset.config.value("precond", "") == "edm", "[preset] ", preset_name,
             " is an original-PFGM network; image training is PFGM++ (pfgm toy trains both)");
  training.update(preset.training);
  return {preset.config, training};
}

// The network overrides of train.py (--cbase, --cres, --nblock, --dropout, --fp16, D).
void override_network(json& network, const TrainOverrides& o, double augment) {
  const std::string type = network.value("model_type", "");
  if (type == "SongUNet" || type == "DhariwalUNet") network["augment_dim"] = augment > 0 ? kAugmentDim : 0;
  if (o.cbase) network["model_channels"] = o.cbase;
  if (!o.cres.empty()) network["channel_mult"] = o.cres;
  if (o.nblock) network["num_blocks"] = o.nblock;
  if (o.dropout >= 0) network["dropout"] = o.dropout;
  if (o.fp16) network["use_fp16"] = true;
  if (o.pfgmpp == 1 && network["D"] == "inf") network["D"] = 128;
  if (!o.aug_dim.empty()) network["D"] = physics::parse_aug_dim(o.aug_dim, "aug_dim");
  if (o.pfgmpp == 0) network["D"] = "inf";
}

TrainOptions training_options(const TrainOverrides& o, const json& t) {
  TrainOptions r;
  r.total_nimg = std::max<int64_t>(std::llround((o.duration > 0 ? o.duration : t.at("duration").get<double>()) * 1e6), 1);
  r.batch = o.batch ? o.batch : t.at("batch").get<int64_t>();
  r.batch_gpu = o.batch_gpu;
  r.lr = o.lr > 0 ? o.lr : t.at("lr").get<double>();
  r.lr_rampup_nimg = std::llround((o.lr_rampup >= 0 ? o.lr_rampup : t.at("lr_rampup").get<double>()) * 1e6);
  r.lr_decay = o.lr_decay >= 0 ? o.lr_decay : t.at("lr_decay").get<double>();
  r.ema_halflife_nimg = (o.ema > 0 ? o.ema : t.at("ema").get<double>()) * 1e6;
  r.ema_rampup_ratio = o.transfer ? 0 : o.ema_rampup >= 0 ? o.ema_rampup : t.at("ema_rampup").get<double>();
  r.loss_scaling = o.ls;
  r.tick_nimg = std::max<int64_t>(std::llround((o.tick > 0 ? o.tick : t.at("tick").get<double>()) * 1e3), 1);
  r.snap_ticks = o.snap >= 0 ? o.snap : t.at("snap").get<int64_t>();
  r.dump_ticks = o.dump >= 0 ? o.dump : t.at("dump").get<int64_t>();
  r.seed = o.seed;
  return r;
}
}  // namespace

TrainConfig resolve_train_config(const TrainOverrides& o, c10::DeviceType device) {
  TrainConfig c;
  auto [network, training] = defaults(o, c.preset);
  c.data = o.data.empty() ? training.value("data", std::string()) : o.data;
  PFGM_CHECK(!c.data.empty(), "[data] required for preset ", c.preset, " (a dataset zip, folder or idx folder)");
  c.pipeline.augment = o.augment >= 0 ? o.augment : training.at("augment").get<double>();
  override_network(network, o, c.pipeline.augment);
  c.network = network;
  c.options = training_options(o, training);
  c.pipeline.xflip = o.xflip;
  c.pipeline.use_labels = o.cond;
  c.pipeline.official_clip = o.official_clip;
  c.pipeline.channels_last = o.channels_last >= 0 ? o.channels_last != 0 : training.at("channels_last").get<bool>();
  c.pipeline.precision = parse_precision(o.amp.empty() ? training.at("amp").get<std::string>() : o.amp, "amp", device);
  c.sample_steps = o.steps ? o.steps : training.at("steps").get<int64_t>();
  const auto solver = o.solver.empty() ? training.at("solver").get<std::string>() : o.solver;
  c.sample_solver = samplers::parse_solver(solver);
  PFGM_CHECK(c.sample_solver != samplers::Solver::RK45, "[solver] got '", solver,
             "': the samples after training take a fixed-step solver, heun or euler");
  c.fd_count = o.fd >= 0 ? o.fd : training.at("fd").get<int64_t>();
  return c;
}

networks::ModelConfig model_config_for(const TrainConfig& c, const data::ImageDataset& dataset) {
  auto network = c.network;
  network["img_resolution"] = dataset.images.size(2);
  network["img_channels"] = dataset.images.size(1);
  network["label_dim"] = c.pipeline.use_labels ? dataset.label_dim : 0;
  return networks::ModelConfig::from_json(network);
}

std::string arch_name(const networks::ModelConfig& c) {
  if (c.family == networks::NetworkFamily::DhariwalUNet) return "adm";
  if (c.family == networks::NetworkFamily::SongUNet)
    return c.network.value("embedding_type", "positional") == "fourier" ? "ncsnpp" : "ddpmpp";
  return networks::to_string(c.family);
}

}  // namespace pfgm::training
