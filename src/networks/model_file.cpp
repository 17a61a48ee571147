#include "pfgm/networks/model_file.h"

#include <nlohmann/json.hpp>

#include "pfgm/core/error.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/layers/weight_init.h"

namespace pfgm::networks {

void save_model(const std::string& path, const Model& model, const std::map<std::string, std::string>& extra) {
  auto meta = extra;
  meta["config"] = model.config().to_json().dump();
  io::write_safetensors(path, io::state_dict(model), meta);
}

std::shared_ptr<Model> load_model(const std::string& path) {
  const auto file = io::read_safetensors(path);
  auto it = file.metadata.find("config");
  PFGM_CHECK(it != file.metadata.end(), "[checkpoint] ", path, ": no 'config' in the metadata; not a pfgm model file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    throw Error("[checkpoint] " + path + ": config is not valid JSON (" + e.what() + ")");
  }
  auto model = [&] {
    layers::SkipInit skip;  // every weight is loaded below
    try {
      return std::make_shared<Model>(ModelConfig::from_json(j));
    } catch (const Error& e) {
      throw Error("[checkpoint] " + path + ": " + e.what());
    }
  }();
  io::load_state_dict(*model, file);
  for (const auto& [name, t] : file.tensors)  // a diverged run's weights would only sample NaN images
    PFGM_CHECK(!t.is_floating_point() || torch::isfinite(t).all().item<bool>(), "[checkpoint] ", path, ": tensor '",
               name, "' holds NaN or infinite values (a diverged run?)");
  return model;
}

}  // namespace pfgm::networks
