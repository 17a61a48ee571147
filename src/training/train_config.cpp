#include "pfgm/training/train_config.h"

#include <algorithm>
#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/io/pixels.h"
#include "pfgm/networks/presets.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/perturbation_kernel.h"
#include "pfgm/physics/pfgm_perturbation.h"
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

// The original PFGM's training (configs/poisson/cifar10_ddpmpp.py, spec 7.6): a small batch of 128
// perturbed among 4096, lr 2e−4 with 5000 warm-up steps (0.64 Mimg), gradient-norm clip 1,
// score_sde's EMA at rate 0.9999, no augmentation, RK45 samples.
const json kOfficialPFGMTraining = {{"batch", 128},       {"large_batch", 4096}, {"lr", 2e-4},     {"lr_rampup", 0.64},
                                    {"grad_clip", 1.0},   {"ema_rate", 0.9999},  {"augment", 0.0}, {"tau", 0.03},
                                    {"sigma_end", 0.01},  {"M", 291.0},          {"restrict_M", true},
                                    {"reduce_mean", false}, {"solver", "rk45"},  {"steps", 100},  {"duration", 166.4}};

// The objective a run asks for: --objective, else the preset's precond.
bool wants_pfgm(const TrainOverrides& o) {
  PFGM_CHECK(o.objective.empty() || o.objective == "pfgmpp" || o.objective == "pfgm", "[objective] got '", o.objective,
             "', expected pfgmpp or pfgm");
  if (!o.objective.empty()) return o.objective == "pfgm";
  return !o.preset.empty() && networks::preset(o.preset).config.value("precond", "") == "pfgm";
}

// The model and training defaults of a preset or of train.py's --arch.
std::pair<json, json> defaults(const TrainOverrides& o, std::string& preset_name) {
  json network, training = kOfficialTraining;
  PFGM_CHECK(o.preset.empty() || o.arch.empty(), "[arch] give a preset or an arch, not both");
  if (!o.arch.empty()) {
    PFGM_CHECK(o.objective != "pfgm", "[arch] --arch builds train.py's PFGM++/EDM networks; the original PFGM takes "
               "a preset (fashion-mnist-pfgm, cifar10-pfgm-*)");
    PFGM_CHECK(o.arch == "ddpmpp" || o.arch == "ncsnpp" || o.arch == "adm", "[arch] ", o.arch,
               ": expected ddpmpp, ncsnpp or adm");
    network = networks::preset_config(o.arch == "adm" ? "imagenet64-adm" : "cifar10-" + o.arch);
    network["label_dim"] = 0;
    network["dropout"] = 0.13;
    network["D"] = o.pfgmpp == 1 ? json(128) : json("inf");  // train.py: --pfgmpp off means EDM
    return {network, training};
  }
  const bool pfgm = wants_pfgm(o);
  preset_name = !o.preset.empty() ? o.preset : pfgm ? "fashion-mnist-pfgm" : "fashion-mnist";
  const auto& preset = networks::preset(preset_name);
  PFGM_CHECK((preset.config.value("precond", "") == "pfgm") == pfgm, "[preset] ", preset_name, " is ",
             pfgm ? "a PFGM++/EDM network; --objective pfgm needs an original-PFGM preset (pfgm info --list)"
                  : "an original-PFGM network: train it with --objective pfgm");
  if (pfgm) training.update(kOfficialPFGMTraining);
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
  if (type == "NCSNpp") {  // score_sde's names for the same flags
    if (o.cbase) network["nf"] = o.cbase;
    if (!o.cres.empty()) network["ch_mult"] = o.cres;
    if (o.nblock) network["num_res_blocks"] = o.nblock;
    network.erase("model_channels"), network.erase("channel_mult"), network.erase("num_blocks");
    network.erase("augment_dim"), network.erase("use_fp16");
    PFGM_CHECK(!o.fp16, "[fp16] the original PFGM network has no use_fp16; use --amp");
    const auto& p = o.pfgm;
    if (p.gamma >= 0) network["gamma"] = p.gamma;
    if (p.z_max >= 0) network["z_max"] = p.z_max;
    if (p.z_exp >= 0) network["z_exp"] = p.z_exp;
    if (p.upper_norm >= 0) network["upper_norm"] = p.upper_norm;
  }
}

// Flags of one objective given to the other are errors, not silently ignored.
void check_objective_flags(const TrainOverrides& o, const TrainConfig& c) {
  const auto& p = o.pfgm;
  const std::pair<bool, const char*> pfgm_only[] = {
      {p.large_batch > 0, "large_batch"}, {p.tau >= 0, "tau"},        {p.sigma_end >= 0, "sigma_end"},
      {p.M >= 0, "M"},                    {p.restrict_M >= 0, "restrict_M"}, {p.reduce_mean >= 0, "reduce_mean"},
      {p.gamma >= 0, "gamma"},            {p.z_max >= 0, "z_max"},    {p.z_exp >= 0, "z_exp"},
      {p.upper_norm >= 0, "upper_norm"},  {p.grad_clip >= 0, "grad_clip"}, {p.ema_rate >= 0, "ema_rate"}};
  for (const auto& [given, name] : pfgm_only)
    PFGM_CHECK(c.pfgm || !given, "[", name, "] an original-PFGM option: add --objective pfgm");
  const std::pair<bool, const char*> pfgmpp_only[] = {
      {o.stf, "stf"}, {o.lsun, "lsun"}, {o.official_clip, "official_clip"}, {o.augment > 0, "augment"},
      {o.cond, "cond"}, {!o.aug_dim.empty() || o.pfgmpp >= 0, "aug_dim"}};
  for (const auto& [given, name] : pfgmpp_only)
    PFGM_CHECK(!c.pfgm || !given, "[", name, "] not an option of the original PFGM (D = 1, unconditional, no augment pipe)");
  PFGM_CHECK(o.stf || o.rbatch == 0, "[rbatch] the reference batch of --stf 1");
}

// The original PFGM's perturbation, field batch and optimiser settings.
void pfgm_options(TrainConfig& c, const PFGMOverrides& p, const json& t) {
  auto pick = [](double given, const json& preset) { return given >= 0 ? given : preset.get<double>(); };
  c.pipeline.large_batch = p.large_batch > 0 ? p.large_batch : t.at("large_batch").get<int64_t>();
  c.pipeline.pfgm_perturbation = {pick(p.tau, t.at("tau")), pick(p.sigma_end, t.at("sigma_end")), pick(p.M, t.at("M")),
                                  p.restrict_M >= 0 ? p.restrict_M != 0 : t.at("restrict_M").get<bool>()};
  c.pipeline.reduce_mean = p.reduce_mean >= 0 ? p.reduce_mean != 0 : t.at("reduce_mean").get<bool>();
  c.options.grad_clip = pick(p.grad_clip, t.at("grad_clip"));
  c.options.ema_rate = pick(p.ema_rate, t.at("ema_rate"));
  PFGM_CHECK(c.pipeline.large_batch > 0 && c.pipeline.pfgm_perturbation.tau > 0 && c.pipeline.pfgm_perturbation.sigma_end > 0,
             "[pfgm] expected large_batch, tau and sigma_end > 0");
  PFGM_CHECK(c.options.ema_rate < 1, "[ema_rate] got ", c.options.ema_rate, ", expected below 1");
  c.pfgm = true;
  c.pfgm_given = p;
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
  r.keep_states = o.keep;
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
  if (network.value("precond", "") == "pfgm") pfgm_options(c, o.pfgm, training);
  check_objective_flags(o, c);
  c.pipeline.stf = o.stf;
  c.pipeline.rbatch = o.rbatch > 0 ? o.rbatch : 4096;
  PFGM_CHECK(!o.stf || c.options.batch_gpu == 0 || c.options.batch_gpu == c.options.batch, "[batch_gpu] --stf ",
             "takes no gradient accumulation (its references are one round's images), as the official loop");
  if (o.radius_quantile > 0) c.network["radius_quantile"] = o.radius_quantile;
  PFGM_CHECK(o.radius_quantile <= 1 && (o.radius_quantile < 0 || o.radius_quantile > 0), "[radius_quantile] got ",
             o.radius_quantile, ", expected 0 < q <= 1");
  PFGM_CHECK(!o.official_clip || c.network.value("radius_quantile", 1.0) == 1, "[radius_quantile] the official clip "
             "and a truncated radius law exclude each other");
  if (o.lsun) {
    c.pipeline.sigma_scale = 380.0 / 80.0;
    c.network["sigma_max"] = c.network.value("sigma_max", 80.0) * c.pipeline.sigma_scale;
  }
  c.sample_steps = o.steps ? o.steps : training.at("steps").get<int64_t>();
  const auto solver = o.solver.empty() ? training.at("solver").get<std::string>() : o.solver;
  c.sample_solver = samplers::parse_solver(solver);
  PFGM_CHECK(c.pfgm || c.sample_solver != samplers::Solver::RK45, "[solver] got '", solver,
             "': the samples after training take a fixed-step solver, heun or euler");
  c.fd_count = o.fd >= 0 ? o.fd : training.at("fd").get<int64_t>();
  return c;
}

void fit_pfgm_to_data(TrainConfig& c, const data::ImageDataset& dataset) {
  if (!c.pfgm) return;
  auto& net = c.network;
  const bool z_from_data = net.value("z_max", 40.0) == 0;
  if (c.pipeline.pfgm_perturbation.M > 0 && !z_from_data) return;
  const auto y = io::to_model_range(dataset.images).flatten(1).to(at::kDouble);
  const auto& p = c.pipeline.pfgm_perturbation;
  const auto h = physics::pfgm_hyperparameters(y.square().sum(1).mean().item<double>(), y.size(1), p.sigma_end, p.tau);
  if (z_from_data) {
    net["z_max"] = h.z_max;
    if (c.pfgm_given.upper_norm < 0) net["upper_norm"] = h.upper_norm;
    if (c.pfgm_given.z_exp < 0) net["z_exp"] = physics::pfgm_z_exp(h.z_max);
  }
  // M from the data, raised for a truncated prior so that the perturbations reach it.
  if (c.pipeline.pfgm_perturbation.M == 0)
    c.pipeline.pfgm_perturbation.M = physics::pfgm_M_for_prior(h.M, net["z_max"].get<double>(),
                                                               net.value("radius_quantile", 1.0), y.size(1), p.sigma_end, p.tau);
}

networks::ModelConfig model_config_for(const TrainConfig& c, const data::ImageDataset& dataset) {
  auto network = c.network;
  network["img_resolution"] = dataset.images.size(2);
  network["img_channels"] = dataset.images.size(1);
  if (!c.pfgm) network["label_dim"] = c.pipeline.use_labels ? dataset.label_dim : 0;
  return networks::ModelConfig::from_json(network);
}

std::string arch_name(const networks::ModelConfig& c) {
  if (c.family == networks::NetworkFamily::DhariwalUNet) return "adm";
  if (c.family == networks::NetworkFamily::SongUNet || c.family == networks::NetworkFamily::NCSNpp)
    return c.network.value("embedding_type", "positional") == "fourier" ? "ncsnpp" : "ddpmpp";
  return networks::to_string(c.family);
}

}  // namespace pfgm::training
