#pragma once
// Network snapshots as safetensors: weights under their state_dict names (the official key names),
// the model configuration as JSON in the metadata key "config", so loading needs no flags.
#include <map>
#include <memory>
#include <string>

#include "pfgm/io/safetensors.h"
#include "pfgm/networks/denoiser.h"

namespace pfgm::io {

// name → tensor for every parameter and buffer, in module order.
NamedTensors state_dict(const torch::nn::Module& module, const std::string& prefix = "");

// Copies `tensors` into `module`: every name must exist with the same shape and dtype, and every
// parameter and buffer must be given. Lists every missing, unexpected or mis-shaped tensor by name.
void load_state_dict(torch::nn::Module& module, const SafetensorsFile& file, const std::string& prefix = "");

// Writes the model (atomically) with metadata {"config": ..., plus `extra`}.
void save_model(const std::string& path, const networks::Model& model, const std::map<std::string, std::string>& extra = {});

// Builds the model from the file's config and loads its weights (on the CPU).
std::shared_ptr<networks::Model> load_model(const std::string& path);

}  // namespace pfgm::io
