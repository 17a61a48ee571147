// resolve_train_config: a preset's defaults, then train.py's, then the overrides, as train.py
// merges them (spec 5.1); model_config_for takes the image shape and classes from the dataset.
#include <gtest/gtest.h>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/pfgm_perturbation.h"
#include "pfgm/training/train_config.h"

namespace {
using pfgm::training::resolve_train_config;
using pfgm::training::TrainOverrides;

std::string error_of(const TrainOverrides& o) {
  try {
    resolve_train_config(o);
  } catch (const pfgm::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(TrainConfig, MainJobPresetByDefault) {
  const auto c = resolve_train_config({});
  EXPECT_EQ(c.preset, "fashion-mnist");
  EXPECT_EQ(c.data, "fashion-mnist");
  EXPECT_EQ(c.options.total_nimg, 70400);  // 0.0704 Mimg
  EXPECT_EQ(c.options.batch, 64);
  EXPECT_DOUBLE_EQ(c.options.lr, 2e-3);
  EXPECT_EQ(c.options.lr_rampup_nimg, 12800);
  EXPECT_DOUBLE_EQ(c.options.ema_halflife_nimg, 20000);
  EXPECT_DOUBLE_EQ(c.options.ema_rampup_ratio, 0.1);
  EXPECT_EQ(c.options.tick_nimg, 6400);
  EXPECT_EQ(c.options.snap_ticks, 50);  // train.py's, the preset leaves it open
  EXPECT_EQ(c.fd_count, 1000);
  EXPECT_EQ(c.sample_steps, 18);
  EXPECT_TRUE(c.sample_solver == pfgm::samplers::Solver::Euler);
  EXPECT_TRUE(c.pipeline.channels_last);
  EXPECT_EQ(c.network.at("num_blocks"), 1);
  EXPECT_EQ(c.pipeline.augment, 0);
  EXPECT_EQ(c.network.at("augment_dim"), 0);
  EXPECT_EQ(c.network.at("model_channels"), 32);
}

TEST(TrainConfig, ArchTakesTrainPyDefaults) {
  TrainOverrides o;
  o.arch = "ddpmpp";
  o.pfgmpp = 1;
  o.data = "x.zip";
  const auto c = resolve_train_config(o);
  EXPECT_EQ(c.preset, "");
  EXPECT_EQ(c.network.at("model_type"), "SongUNet");
  EXPECT_EQ(c.network.at("D"), 128);
  EXPECT_DOUBLE_EQ(c.network.at("dropout").get<double>(), 0.13);
  EXPECT_EQ(c.network.at("augment_dim"), 9);  // train.py's --augment 0.12
  EXPECT_DOUBLE_EQ(c.pipeline.augment, 0.12);
  EXPECT_EQ(c.options.total_nimg, 200'000'000);
  EXPECT_EQ(c.options.batch, 512);
  EXPECT_DOUBLE_EQ(c.options.lr, 1e-3);
  EXPECT_EQ(c.options.lr_rampup_nimg, 10'000'000);
  EXPECT_DOUBLE_EQ(c.options.ema_halflife_nimg, 500'000);
  EXPECT_EQ(c.options.tick_nimg, 50'000);
  EXPECT_DOUBLE_EQ(c.options.ema_rampup_ratio, 0.05);
  EXPECT_TRUE(c.pipeline.precision == pfgm::training::Precision::FP32);
  EXPECT_FALSE(c.pipeline.channels_last);
  EXPECT_TRUE(c.sample_solver == pfgm::samplers::Solver::Heun);
  o.pfgmpp = -1;  // train.py without --pfgmpp: EDM
  EXPECT_EQ(resolve_train_config(o).network.at("D"), "inf");
}

TEST(TrainConfig, OverridesBeatThePreset) {
  TrainOverrides o;
  o.batch = 32;
  o.lr = 5e-4;
  o.cbase = 16;
  o.cres = {1, 2};
  o.aug_dim = "2048";
  o.augment = 0.2;
  o.duration = 0.001;
  o.tick = 0.5;
  o.snap = 0;
  o.fd = 0;
  o.steps = 7;
  o.amp = "bf16";
  o.channels_last = 0;
  o.solver = "heun";
  o.ema_rampup = 0.3;
  o.xflip = true;
  const auto c = resolve_train_config(o);
  EXPECT_EQ(c.options.batch, 32);
  EXPECT_DOUBLE_EQ(c.options.lr, 5e-4);
  EXPECT_EQ(c.options.total_nimg, 1000);
  EXPECT_EQ(c.options.tick_nimg, 500);
  EXPECT_EQ(c.options.snap_ticks, 0);
  EXPECT_EQ(c.network.at("model_channels"), 16);
  EXPECT_EQ(c.network.at("channel_mult"), (std::vector<int64_t>{1, 2}));
  EXPECT_DOUBLE_EQ(c.network.at("D").get<double>(), 2048);
  EXPECT_EQ(c.network.at("augment_dim"), 9);
  EXPECT_EQ(c.fd_count, 0);
  EXPECT_EQ(c.sample_steps, 7);
  EXPECT_TRUE(c.pipeline.precision == pfgm::training::Precision::BF16);
  EXPECT_FALSE(c.pipeline.channels_last);
  EXPECT_TRUE(c.sample_solver == pfgm::samplers::Solver::Heun);
  EXPECT_DOUBLE_EQ(c.options.ema_rampup_ratio, 0.3);
  EXPECT_TRUE(c.pipeline.xflip);
  o.pfgmpp = 0;  // D = ∞ wins over aug_dim, as train.py's --pfgmpp 0
  EXPECT_EQ(resolve_train_config(o).network.at("D"), "inf");
  o.transfer = true;
  EXPECT_EQ(resolve_train_config(o).options.ema_rampup_ratio, 0);
}

TEST(TrainConfig, ErrorsNameTheField) {
  TrainOverrides o;
  o.preset = "fashion-mnist";
  o.arch = "ddpmpp";
  EXPECT_EQ(error_of(o).rfind("[arch]", 0), 0u) << error_of(o);
  o.preset = "";
  o.arch = "unet";
  EXPECT_EQ(error_of(o).rfind("[arch]", 0), 0u) << error_of(o);
  o = {};
  o.aug_dim = "-1";
  EXPECT_EQ(error_of(o).rfind("[aug_dim]", 0), 0u) << error_of(o);
  o = {};
  o.amp = "fp8";
  EXPECT_EQ(error_of(o).rfind("[amp]", 0), 0u) << error_of(o);
  o = {};
  o.solver = "rk45";  // the samples after training take a fixed-step solver
  EXPECT_EQ(error_of(o).rfind("[solver]", 0), 0u) << error_of(o);
  o = {};
  o.preset = "tiny-ddpmpp";  // no dataset of its own
  EXPECT_EQ(error_of(o).rfind("[data]", 0), 0u) << error_of(o);
}

TEST(TrainConfig, DatasetGivesShapeAndClasses) {
  pfgm::data::ImageDataset d;
  d.images = torch::zeros({5, 3, 16, 16}, torch::kUInt8);
  d.labels = torch::tensor({0, 1, 2, 3, 0}, torch::kInt64);
  d.label_dim = 4;
  TrainOverrides o;
  auto c = resolve_train_config(o);
  auto m = pfgm::training::model_config_for(c, d);
  EXPECT_EQ(m.sample_shape(), (std::vector<int64_t>{3, 16, 16}));
  EXPECT_EQ(m.N, 3 * 16 * 16);
  EXPECT_EQ(m.label_dim(), 0);
  o.cond = true;
  c = resolve_train_config(o);
  EXPECT_EQ(pfgm::training::model_config_for(c, d).label_dim(), 4);
  EXPECT_EQ(pfgm::training::arch_name(m), "ddpmpp");
}

TEST(TrainConfig, OriginalPfgmTakesTheOfficialRecipe) {
  // An original-PFGM preset: configs/poisson/cifar10_ddpmpp.py's settings, overrides beat them.
  TrainOverrides o;
  o.preset = "cifar10-pfgm-ddpmpp";
  o.data = "some.zip";
  auto c = resolve_train_config(o);
  EXPECT_TRUE(c.pfgm);
  EXPECT_EQ(c.options.batch, 128);
  EXPECT_EQ(c.pipeline.large_batch, 4096);
  EXPECT_DOUBLE_EQ(c.options.lr, 2e-4);
  EXPECT_EQ(c.options.lr_rampup_nimg, 5000 * 128);
  EXPECT_DOUBLE_EQ(c.options.grad_clip, 1);
  EXPECT_DOUBLE_EQ(c.options.ema_rate, 0.9999);
  EXPECT_DOUBLE_EQ(c.pipeline.pfgm_perturbation.M, 291);
  EXPECT_DOUBLE_EQ(c.pipeline.pfgm_perturbation.tau, 0.03);
  EXPECT_DOUBLE_EQ(c.pipeline.pfgm_perturbation.sigma_end, 0.01);
  EXPECT_TRUE(c.pipeline.pfgm_perturbation.restrict_M);
  EXPECT_FALSE(c.pipeline.reduce_mean);
  EXPECT_EQ(c.pipeline.augment, 0);
  EXPECT_EQ(c.sample_solver, pfgm::samplers::Solver::RK45);
  EXPECT_EQ(c.network["z_exp"], 5);
  o.pfgm.large_batch = 256;
  o.pfgm.grad_clip = 0;
  o.pfgm.z_exp = 0;
  o.cbase = 64;
  c = resolve_train_config(o);
  EXPECT_EQ(c.pipeline.large_batch, 256);
  EXPECT_EQ(c.options.grad_clip, 0);
  EXPECT_EQ(c.network["z_exp"], 0);
  EXPECT_EQ(c.network["nf"], 64);  // --cbase is score_sde's nf
  // The objective and the preset must agree.
  o = {};
  o.objective = "pfgm";
  EXPECT_EQ(resolve_train_config(o).preset, "fashion-mnist-pfgm");
  o.preset = "fashion-mnist";
  EXPECT_EQ(error_of(o).rfind("[preset]", 0), 0u) << error_of(o);
  o = {};
  o.preset = "cifar10-pfgm-ddpmpp";
  o.objective = "pfgmpp";
  o.data = "x.zip";
  EXPECT_EQ(error_of(o).rfind("[preset]", 0), 0u) << error_of(o);
  o.objective = "pfgmpp2";
  EXPECT_EQ(error_of(o).rfind("[objective]", 0), 0u) << error_of(o);
}

TEST(TrainConfig, PfgmHyperparametersFromTheData) {
  // fashion-mnist-pfgm leaves M and z_max to App. B.2 of the dataset; given values stay.
  pfgm::data::ImageDataset d;
  d.images = torch::full({4, 1, 32, 32}, 255, torch::kUInt8);  // every pixel +1: ‖x‖² = N
  TrainOverrides o;
  o.objective = "pfgm";
  auto c = resolve_train_config(o);
  pfgm::training::fit_pfgm_to_data(c, d);
  const auto h = pfgm::physics::pfgm_hyperparameters(1024, 1024);
  EXPECT_DOUBLE_EQ(c.pipeline.pfgm_perturbation.M, h.M);
  EXPECT_DOUBLE_EQ(c.network["z_max"].get<double>(), h.z_max);
  EXPECT_DOUBLE_EQ(c.network["upper_norm"].get<double>(), h.upper_norm);
  EXPECT_DOUBLE_EQ(c.network["z_exp"].get<double>(), h.z_max / 8);
  const auto m = pfgm::training::model_config_for(c, d);
  EXPECT_EQ(m.precond, pfgm::networks::Precond::PFGM);
  EXPECT_DOUBLE_EQ(m.z_exp, h.z_max / 8);
  o.pfgm.z_exp = 2;
  o.pfgm.M = 100;
  c = resolve_train_config(o);
  pfgm::training::fit_pfgm_to_data(c, d);
  EXPECT_EQ(c.network["z_exp"], 2);
  EXPECT_EQ(c.pipeline.pfgm_perturbation.M, 100);
}

TEST(TrainConfig, StfAndLsun) {
  TrainOverrides o;
  o.stf = true;
  o.rbatch = 256;
  o.lsun = true;
  auto c = resolve_train_config(o);
  EXPECT_TRUE(c.pipeline.stf);
  EXPECT_EQ(c.pipeline.rbatch, 256);
  EXPECT_DOUBLE_EQ(c.pipeline.sigma_scale, 380.0 / 80.0);
  EXPECT_DOUBLE_EQ(c.network["sigma_max"].get<double>(), 380);
  o.batch_gpu = 16;  // STF takes no gradient accumulation
  EXPECT_EQ(error_of(o).rfind("[batch_gpu]", 0), 0u) << error_of(o);
  o = {};
  o.objective = "pfgm";
  o.stf = true;
  EXPECT_EQ(error_of(o).rfind("[stf]", 0), 0u) << error_of(o);
}
