#pragma once
// Fake quantisation of a network's weights, the robustness study of PFGM++ (Xu et al. 2023,
// Sec. 5.3; spec 4.6): each chosen tensor is rounded to 2^bits levels between its own minimum and
// maximum and mapped back to float32.
#include <string>
#include <vector>

#include <torch/types.h>

#include "pfgm/networks/model.h"

namespace pfgm::networks {

// Asymmetric min–max per tensor: q_max = 2^bits − 1, scale = (max − min)/q_max, zero point
// zp = ⌊clamp(−min/scale, 0, q_max)⌋, q = round(clamp(zp + w/scale, 0, q_max)), ŵ = scale·(q − zp).
// A constant tensor is returned unchanged.
torch::Tensor fake_quantize(const torch::Tensor& w, int bits);

// Whether the study quantises the state_dict entry `key` of `model`: the weights of convolutions,
// linear maps and attention projections, but not those of normalisation layers, of the noise
// embedding and its per-block affine maps, nor of any layer at the full image resolution. The
// official script means this by a substring test on CIFAR-10's key names ("weight" and none of
// "norm", "affine", "map", "32"); the test itself would also match every key of the original
// PFGM's network holding a "32" (all_modules.32.*) and miss its attention weights (NIN_k.W).
bool is_quantized_weight(const Model& model, const std::string& key);

// Quantises those weights in place; returns their keys.
std::vector<std::string> quantize_weights(Model& model, int bits);

}  // namespace pfgm::networks
