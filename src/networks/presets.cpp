#include "pfgm/networks/presets.h"

#include "pfgm/core/error.h"

namespace pfgm::networks {

namespace {

using nlohmann::json;

// The preconditioner's arguments around an image network, with PFGM++'s defaults (D = 128,
// σ ∈ [0.002, 80], ln σ ~ N(−1.2, 1.2²), σ_data = 0.5).
json image_model(int64_t resolution, int64_t channels, int64_t label_dim, json network) {
  network["img_resolution"] = resolution;
  network["img_channels"] = channels;
  network["label_dim"] = label_dim;
  network["use_fp16"] = false;
  network["precond"] = "edm";
  network["D"] = 128;
  network["sigma_data"] = 0.5;
  network["sigma_min"] = 0.002;
  network["sigma_max"] = 80;
  network["P_mean"] = -1.2;
  network["P_std"] = 1.2;
  return network;
}

// train.py --arch=ddpmpp / ncsnpp / adm (spec 3.5).
json ddpmpp(json overrides) {
  json j{{"model_type", "SongUNet"},        {"embedding_type", "positional"}, {"encoder_type", "standard"},
         {"decoder_type", "standard"},      {"channel_mult_noise", 1},         {"resample_filter", {1, 1}},
         {"model_channels", 128},           {"channel_mult", {2, 2, 2}}};
  j.update(overrides);
  return j;
}
json ncsnpp(json overrides) {
  json j{{"model_type", "SongUNet"},         {"embedding_type", "fourier"}, {"encoder_type", "residual"},
         {"decoder_type", "standard"},       {"channel_mult_noise", 2},     {"resample_filter", {1, 3, 3, 1}},
         {"model_channels", 128},            {"channel_mult", {2, 2, 2}}};
  j.update(overrides);
  return j;
}
json adm(json overrides) {
  json j{{"model_type", "DhariwalUNet"}, {"model_channels", 192}, {"channel_mult", {1, 2, 3, 4}}};
  j.update(overrides);
  return j;
}

// The original PFGM (spec 7.3, 7.6): score_sde's NCSN++ class on z, with the z-ODE's sampling range.
json pfgm_model(int64_t resolution, double z_max, double upper_norm, double z_exp, json network) {
  json j{{"model_type", "NCSNpp"}, {"precond", "pfgm"}, {"img_resolution", resolution}, {"img_channels", 3},
         {"D", 1},          {"z_max", z_max},     {"z_min", 1e-3},             {"gamma", 5},
         {"upper_norm", upper_norm}, {"z_exp", z_exp}};
  j.update(network);
  return j;
}

std::vector<Preset> make_presets() {
  const json pfgm_ddpmpp{{"nf", 128}, {"ch_mult", {1, 2, 2, 2}}, {"num_res_blocks", 4}, {"attn_resolutions", {16}},
                         {"dropout", 0.1}, {"embedding_type", "positional"}, {"fir", false},
                         {"progressive_input", "none"}};
  json pfgm_deep = pfgm_ddpmpp;
  pfgm_deep["num_res_blocks"] = 8;
  json pfgm_ncsnpp = pfgm_ddpmpp;
  pfgm_ncsnpp.update({{"embedding_type", "fourier"}, {"fir", true}, {"progressive_input", "residual"}});
  json pfgm_bedroom = pfgm_ddpmpp;
  pfgm_bedroom.update({{"ch_mult", {1, 1, 2, 2, 4, 4}}, {"num_res_blocks", 2}, {"dropout", 0.0}});
  const json cifar{{"dropout", 0.13}, {"augment_dim", 9}};
  const json ffhq{{"dropout", 0.05}, {"augment_dim", 9}, {"channel_mult", {1, 2, 2, 2}}};
  json afhq = ffhq;
  afhq["dropout"] = 0.25;
  // Training flags of the EDM README beyond train.py's defaults (spec 5.1).
  const json ffhq_training{{"batch", 256}, {"lr", 2e-4}, {"augment", 0.15}};
  json cifar_cond = image_model(32, 3, 10, ddpmpp(cifar));
  json cifar_ncsnpp_cond = image_model(32, 3, 10, ncsnpp(cifar));
  cifar_ncsnpp_cond["D"] = 2048;
  return {
      {"cifar10-ddpmpp", "CIFAR-10 32×32, DDPM++ (56M), unconditional, augment labels", image_model(32, 3, 0, ddpmpp(cifar))},
      {"cifar10-ddpmpp-cond", "CIFAR-10 32×32, DDPM++ (56M), 10 classes", cifar_cond},
      {"cifar10-ncsnpp", "CIFAR-10 32×32, NCSN++ (56M), unconditional: the PFGM++ paper's model",
       image_model(32, 3, 0, ncsnpp(cifar))},
      {"cifar10-ncsnpp-cond", "CIFAR-10 32×32, NCSN++, 10 classes, D = 2048 (FID 1.74 in the paper)",
       cifar_ncsnpp_cond},
      {"ffhq64-ddpmpp", "FFHQ 64×64, DDPM++ (62M), --cres=1,2,2,2 (FID 2.43 at D = 128)",
       image_model(64, 3, 0, ddpmpp(ffhq)), ffhq_training},
      {"ffhq64-ncsnpp", "FFHQ 64×64, NCSN++ (63M), --cres=1,2,2,2", image_model(64, 3, 0, ncsnpp(ffhq)), ffhq_training},
      {"afhqv2-64-ddpmpp", "AFHQv2 64×64, DDPM++ (62M), dropout 0.25", image_model(64, 3, 0, ddpmpp(afhq)),
       ffhq_training},
      {"imagenet64-adm", "ImageNet 64×64, ADM (296M), 1000 classes",
       image_model(64, 3, 1000, adm({{"dropout", 0.10}})),
       {{"duration", 2500.0}, {"batch", 4096}, {"lr", 1e-4}, {"ema", 50.0}, {"augment", 0.0}, {"tick", 200.0}}},
      {"cifar10-pfgm-ddpmpp", "original PFGM, CIFAR-10, DDPM++ (62M; FID 2.48 with RK45)",
       pfgm_model(32, 40, 3000, 5, pfgm_ddpmpp)},
      {"cifar10-pfgm-ddpmpp-deep", "original PFGM, CIFAR-10, DDPM++ deep (107M; FID 2.35)",
       pfgm_model(32, 40, 3000, 5, pfgm_deep)},
      // Training: configs/poisson's values where they differ from CIFAR-10 DDPM++'s (spec 7.6).
      {"cifar10-pfgm-ncsnpp", "original PFGM, CIFAR-10, NCSN++ (63M)", pfgm_model(32, 40, 3000, 5, pfgm_ncsnpp),
       {{"ema_rate", 0.999}}},
      {"celeba64-pfgm-ddpmpp", "original PFGM, CelebA 64×64, DDPM++ (62M; FID 3.68)",
       pfgm_model(64, 60, 6000, 1, pfgm_ddpmpp), {{"large_batch", 512}}},
      {"bedroom256-pfgm-ddpmpp", "original PFGM, LSUN bedroom 256×256, DDPM++ (124M; FID 13.66)",
       pfgm_model(256, 100, 30000, 0.1, pfgm_bedroom),
       {{"batch", 32}, {"large_batch", 32}, {"M", 356.0}, {"reduce_mean", true}, {"lr", 2e-5}, {"lr_rampup", 0.16},
        {"duration", 76.8}}},
      {"fashion-mnist",
       "the main job: Fashion-MNIST zero-padded to 32×32 (N = 1024), D = 128, a 1.2M DDPM++ sized for a 2-core CPU",
       image_model(32, 1, 0, ddpmpp({{"model_channels", 32}, {"channel_mult", {1, 2, 2}}, {"num_blocks", 1},
                                     {"attn_resolutions", {8}}, {"dropout", 0.0}})),
       // Tuned for FD per minute on 2 cores (docs/benchmarks/main-job.md): 1100 steps of 64 (0.0704
       // Mimg), lr ramp-up over the first 200; EMA half-life 10% of the images seen (at most 20k);
       // channels-last, bf16 where the CPU has AMX; 1000 samples by 18 Euler steps.
       {{"data", "fashion-mnist"}, {"duration", 0.0704}, {"batch", 64}, {"lr", 2e-3}, {"lr_rampup", 0.0128},
        {"ema", 0.02}, {"ema_rampup", 0.1}, {"augment", 0.0}, {"tick", 6.4}, {"steps", 18}, {"solver", "euler"},
        {"amp", "auto"}, {"channels_last", true}, {"fd", 1000}}},
      {"fashion-mnist-pfgm",
       "the main job with the original PFGM: a 1.2M DDPM++-style NCSN++ on z, M and z_max from the data (App. B.2)",
       [&] {
         auto j = pfgm_model(32, 0, 0, 0, pfgm_ddpmpp);
         j.update({{"img_channels", 1}, {"nf", 32}, {"ch_mult", {1, 2, 2}}, {"num_res_blocks", 1},
                   {"attn_resolutions", {8}}, {"dropout", 0.0}});
         return j;
       }(),
       // The main job's budget and optimiser (1100 steps of 64, the same EMA), with PFGM's field of a
       // large batch, its gradient clip and RK45 samples.
       {{"data", "fashion-mnist"}, {"duration", 0.0704}, {"batch", 64}, {"large_batch", 2048}, {"lr", 2e-3},
        {"lr_rampup", 0.0128}, {"ema", 0.02}, {"ema_rampup", 0.1}, {"ema_rate", 0.0}, {"M", 0.0}, {"tick", 6.4},
        {"amp", "auto"}, {"channels_last", true}, {"fd", 1000}}},
      {"tiny-ddpmpp", "16×16 RGB, a 0.3M DDPM++ for tests and quick checks",
       image_model(16, 3, 0, ddpmpp({{"model_channels", 16}, {"channel_mult", {1, 2, 2}}, {"num_blocks", 1},
                                     {"attn_resolutions", {8}}, {"dropout", 0.0}})),
       {{"duration", 0.002}, {"batch", 16}, {"lr", 2e-3}, {"lr_rampup", 0.0}, {"ema", 0.001}, {"augment", 0.0},
        {"tick", 0.5}, {"steps", 8}}},
  };
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = make_presets();
  return all;
}

const Preset& preset(const std::string& name) {
  std::string known;
  for (const auto& p : presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw Error("[preset] unknown preset '" + name + "', expected one of: " + known);
}

nlohmann::json preset_config(const std::string& name) { return preset(name).config; }

}  // namespace pfgm::networks
