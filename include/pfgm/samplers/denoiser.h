#pragma once
// The one interface every sampler integrates: a denoiser D(x; σ) (EDM, Sec. 2) and, for original
// PFGM, the predicted normalised field v(x, z) (Xu et al. 2022, Sec. 3).
#include <functional>
#include <vector>

#include <torch/types.h>

namespace pfgm::networks {
class Model;
}

namespace pfgm::samplers {

// x [B, ...] float64; sigma float64, 0-d (one σ for the batch) or [B]; returns D(x; σ) float64 like x.
using Denoiser = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& sigma)>;

// x [B, N] float64, z [B] float64; returns the field v [B, N+1] float64 (last column: v_z < 0).
using FieldFn = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& z)>;

// A model as the samplers call it: float64 in and out, without gradients, evaluated on the model's
// device. class_labels (one-hot [B, label_dim] or [1, label_dim]) are passed to every call. The
// model must outlive the callback.
Denoiser denoiser_of(networks::Model& model, const torch::Tensor& class_labels = {});
FieldFn field_of(networks::Model& model);

// Records the state after every step (for trajectory plots); optional everywhere.
struct Trajectory {
  std::vector<double> t;             // σ (or z) after each step, starting with the initial one
  std::vector<torch::Tensor> x;      // states on the CPU
};

}  // namespace pfgm::samplers
