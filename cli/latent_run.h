#pragma once
// What `pfgm encode | decode | interpolate | temperature` run, behind the flags of cmd_latent.cpp,
// and what they share: the network, the sampler options (flags, then stored values, then defaults)
// and the input images.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "pfgm/networks/model.h"
#include "pfgm/samplers/sampler.h"

namespace pfgm::cli::latent {

// Flags every latent command shares. Zero / empty means "not given": the defaults below, or for
// decode the values stored with the latents.
struct LatentArgs {
  std::string network, device = "auto", solver;
  int steps = 0;
  double sigma_min = 0, sigma_max = 0, rho = 0, rtol = 0, atol = 0;
  int64_t batch = 64, class_idx = -1;
  int threads = 0;
};

struct EncodeArgs : LatentArgs {
  std::string images, out, grid;
  int64_t num = 16;
};

struct DecodeArgs : LatentArgs {
  std::string latents, outdir, grid;
};

struct InterpolateArgs : LatentArgs {
  std::string seeds, images, out;
  int64_t frames = 8;
};

struct TemperatureArgs : LatentArgs {
  std::string seeds = "0-7", temperatures = "0.8,0.9,1,1.1,1.2", out;
};

void run_encode(const EncodeArgs& a);            // latent_encode.cpp
void run_decode(const DecodeArgs& a);            // latent_encode.cpp
void run_interpolate(const InterpolateArgs& a);  // latent_explore.cpp
void run_temperature(const TemperatureArgs& a);  // latent_explore.cpp

// ---------------------------------------------------------------------------------------------
// Shared by the commands (latent_run.cpp).

struct Network {
  std::string file;
  std::shared_ptr<networks::Model> model;
  int64_t channels = 0, resolution = 0;
  std::vector<int64_t> shape() const { return {channels, resolution, resolution}; }
};

// The image network of --network on --device (pfgm::Error for a vector-data model).
Network load_network(const LatentArgs& a);

// What a latent file stores about how it was made (decode's defaults).
using Metadata = std::map<std::string, std::string>;

std::string meta_or(const Metadata& m, const std::string& key, const std::string& fallback);

// Sampler options from the flags, then `stored` (decode: the latents' metadata), then the defaults.
samplers::SamplerOptions sampler_options(const LatentArgs& a, const Network& n, int64_t count,
                                         const Metadata& stored = {});

// "rk45, rtol …, atol …" or "<solver>, <n> steps".
std::string describe(const samplers::SamplerOptions& s);

// uint8 [n, C, H, W]: an .npz with key x (uint8 NHWC, as generate --npz writes), else any dataset
// load_image_dataset reads (a folder of PNGs, a zip, idx files, fashion-mnist); the first `num`.
torch::Tensor load_images(const std::string& path, int64_t num, const Network& n);

// One PNG as uint8 [1, C, H, W], checked against the network.
torch::Tensor load_png(const std::string& path, const Network& n);

}  // namespace pfgm::cli::latent
