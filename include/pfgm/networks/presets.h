#pragma once
// Named model configurations, `<data>-<arch>`: the official training configurations of EDM and
// PFGM++ (train.py with the paper's per-dataset flags) and small ones for quick work.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pfgm::networks {

struct Preset {
  std::string name;
  std::string description;
  nlohmann::json config;  // a complete ModelConfig JSON
  // Training defaults for `pfgm train --preset` in train.py's units (data, duration and lr_rampup
  // in Mimg, batch, lr, ema in Mimg, augment, tick in kimg, steps for the grid); those not given
  // are train.py's (original PFGM: configs/poisson's for CIFAR-10 DDPM++, train_config.cpp).
  nlohmann::json training = nlohmann::json::object();
};

const std::vector<Preset>& presets();

// The preset's config; pfgm::Error listing the known names when there is none.
nlohmann::json preset_config(const std::string& name);
const Preset& preset(const std::string& name);

}  // namespace pfgm::networks
