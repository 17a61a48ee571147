// sample_snapshot: images from a trained network snapshot, with the pfgm library.
//
//   sample_snapshot NETWORK.safetensors OUTDIR [COUNT=8] [STEPS=18]
//
// NETWORK is a network-snapshot-*.safetensors written by `pfgm train`; it holds the model's
// configuration (network, D, σ range) beside the weights, so loading needs no flags. The program
// draws seeds 0..COUNT-1, integrates the PFGM++ (or EDM) backward ODE with Heun's solver in STEPS
// steps and writes OUTDIR/<seed>.png, one line per file on stdout. The images are the ones
// `pfgm generate --network NETWORK --seeds 0-<COUNT-1> --steps STEPS` writes.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/pixels.h"
#include "pfgm/io/png.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/samplers/sampler.h"

namespace {

// The positive integer `text` (argument `name`), or pfgm::Error.
int64_t positive_int(const char* text, const char* name) {
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  PFGM_CHECK(end != text && *end == '\0' && value > 0 && value <= 1000000, "[", name, "] got '", text,
             "', expected an integer from 1 to 1000000");
  return value;
}

void sample_snapshot(const std::string& network, const std::string& outdir, int64_t count, int steps) {
  // The model, built from the configuration in the file's metadata, on the CPU.
  const auto model = pfgm::networks::load_model(network);
  const auto& config = model->config();
  PFGM_CHECK(config.is_image(), "[network] ", network, ": a model for vector data, expected an image network");

  // Heun's solver on EDM's time steps from the model's σ_max down to its σ_min (ρ = 7); with the
  // default (no) churn the sampler is deterministic.
  pfgm::samplers::SamplerOptions options;
  options.schedule = {steps, config.sigma_min, config.sigma_max, 7};

  // Every seed owns its prior draw, so an image depends on its seed only, not on COUNT.
  std::vector<int64_t> seeds;
  for (int64_t seed = 0; seed < count; ++seed) seeds.push_back(seed);
  const auto samples = pfgm::samplers::generate(*model, seeds, config.sample_shape(), options);

  // samples.x is float64 [COUNT, C, H, W] in [-1, 1]; to_uint8 maps it to pixels as generate.py.
  const auto pixels = pfgm::io::to_uint8(samples.x);
  std::filesystem::create_directories(outdir);
  for (int64_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(seeds[i]));
    const auto path = (std::filesystem::path(outdir) / name).string();
    pfgm::io::write_png(path, pixels[i]);  // uint8 [C, H, W], written atomically
    std::printf("%s\n", path.c_str());
  }
  std::fprintf(stderr, "%lld images, %lld network evaluations each\n", static_cast<long long>(count),
               static_cast<long long>(samples.nfe));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: %s NETWORK.safetensors OUTDIR [COUNT=8] [STEPS=18]\n", argv[0]);
    return 2;
  }
  try {
    const int64_t count = argc > 3 ? positive_int(argv[3], "COUNT") : 8;
    const int steps = argc > 4 ? static_cast<int>(positive_int(argv[4], "STEPS")) : 18;
    sample_snapshot(argv[1], argv[2], count, steps);
  } catch (const std::exception& e) {
    // pfgm::Error messages are one line; other errors (LibTorch, the file system) keep their first.
    const std::string message = e.what();
    std::fprintf(stderr, "sample_snapshot: error: %s\n", message.substr(0, message.find('\n')).c_str());
    return 1;
  }
  return 0;
}
