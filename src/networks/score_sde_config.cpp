#include "pfgm/networks/score_sde_config.h"

#include <string>

#include "pfgm/core/error.h"

namespace pfgm::networks {

namespace {

const nlohmann::json& section(const nlohmann::json& config, const char* name) {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!config.contains(name)) return empty;
  PFGM_CHECK(config[name].is_object(), "[config] score_sde ", name, ": expected an object");
  return config[name];
}

// A setting that changes the forward pass in a way pfgm does not build must have this value.
template <typename T>
void require(const nlohmann::json& s, const char* where, const char* key, const T& expected) {
  if (!s.contains(key)) return;
  bool ok = false;
  try {
    ok = s[key].get<T>() == expected;
  } catch (const nlohmann::json::exception&) {
  }
  PFGM_CHECK(ok, "[config] score_sde ", where, ".", key, ": got ", s[key].dump(), ", pfgm builds only ",
             nlohmann::json(expected).dump());
}

}  // namespace

nlohmann::json model_config_from_score_sde(const nlohmann::json& config) {
  PFGM_CHECK(config.is_object(), "[config] score_sde: expected a JSON object");
  const auto& model = section(config, "model");
  const auto& data = section(config, "data");
  const auto& training = section(config, "training");
  require(training, "training", "sde", std::string("poisson"));
  require(model, "model", "conditional", true);
  require(model, "model", "attention_type", std::string("ddpm"));
  require(model, "model", "conv_size", 3);
  require(model, "model", "scale_by_sigma", false);
  require(model, "model", "normalization", std::string("GroupNorm"));
  require(model, "model", "nonlinearity", std::string("swish"));
  // The Fourier embedding needs continuous training (score_sde asserts it).
  if (model.value("embedding_type", std::string()) == "fourier") require(training, "training", "continuous", true);

  nlohmann::json j{{"model_type", "NCSNpp"}, {"precond", "pfgm"}, {"D", 1}};
  try {
    j["img_resolution"] = data.value("image_size", 32);
    j["img_channels"] = data.value("num_channels", 3);
    j["centered"] = data.value("centered", true);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("[config] score_sde data: ") + e.what());
  }
  // Network arguments under their own names; resamp_with_conv and progressive_combine only act in
  // configurations pfgm refuses (DDPM resblocks, input_skip), and the sigmas' range only fills a buffer.
  for (const char* key : {"nf", "ch_mult", "num_res_blocks", "attn_resolutions", "dropout", "embedding_type",
                          "fourier_scale", "fir", "fir_kernel", "skip_rescale", "progressive_input", "progressive",
                          "resblock_type", "init_scale", "num_scales"})
    if (model.contains(key)) j[key] = model[key];
  return j;
}

}  // namespace pfgm::networks
