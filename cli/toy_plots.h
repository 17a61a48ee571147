#pragma once
// Pictures of a model on vector data: samples over the data, trajectories from the prior, field
// lines on the (x₁, r) half-plane, and the loss curve.
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "pfgm/networks/model.h"
#include "pfgm/samplers/denoiser.h"

namespace pfgm::cli {

void plot_samples(const torch::Tensor& data, const torch::Tensor& samples, const std::string& title, const std::string& path);
void plot_trajectories(const torch::Tensor& data, const samplers::Trajectory& trajectory, const std::string& path);
void plot_loss(const std::vector<std::pair<int64_t, double>>& history, const std::string& path);
// Left: field lines of the empirical field of `charges` in R^(N+D) drawn backward from a half-circle
// in the (x₁, r) plane; right: the model's own ODE paths in the same coordinates.
void plot_field_lines(const torch::Tensor& charges, networks::Model& model, const samplers::Trajectory& trajectory,
                      const std::string& path);

}  // namespace pfgm::cli
