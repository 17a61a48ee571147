#pragma once
// Module weights under their state_dict names (the official key names), in PyTorch's order, to and
// from safetensors files.
#include <string>

#include <torch/nn/module.h>

#include "pfgm/io/safetensors.h"

namespace pfgm::io {

// name → tensor for every parameter and buffer, in module order.
NamedTensors state_dict(const torch::nn::Module& module, const std::string& prefix = "");

// Copies `tensors` into `module`: every name must exist with the same shape and dtype, and every
// parameter and buffer must be given. Lists every missing, unexpected or mis-shaped tensor by name.
void load_state_dict(torch::nn::Module& module, const SafetensorsFile& file, const std::string& prefix = "");

}  // namespace pfgm::io
