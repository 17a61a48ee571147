#pragma once
// Model files: a network snapshot as safetensors, the weights under their state_dict names (the
// official key names) and the model configuration as JSON in the metadata key "config", so that
// loading needs no flags.
#include <map>
#include <memory>
#include <string>

#include "pfgm/networks/model.h"

namespace pfgm::networks {

// Writes the model (atomically) with metadata {"config": ..., plus `extra`}.
void save_model(const std::string& path, const Model& model, const std::map<std::string, std::string>& extra = {});

// Builds the model from the file's config and loads its weights (on the CPU).
std::shared_ptr<Model> load_model(const std::string& path);

}  // namespace pfgm::networks
