#pragma once
// The official PFGM code configures its network as score_sde does: an ml_collections config with
// `model`, `data` and `training` sections (configs/poisson/*.py). This reads such a config (as
// JSON) into pfgm's model configuration for the NCSNpp family, refusing settings whose forward pass
// pfgm does not build.
#include <nlohmann/json.hpp>

namespace pfgm::networks {

// {"model": {nf, ch_mult, …}, "data": {image_size, num_channels, centered}, "training": {sde, …}};
// keys left out take the CIFAR-10 DDPM++ config's values. Throws pfgm::Error naming the key.
nlohmann::json model_config_from_score_sde(const nlohmann::json& config);

}  // namespace pfgm::networks
