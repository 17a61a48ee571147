// What the latent commands share: the network, the sampler options and the input images.
#include "latent_run.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "network_path.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/npy.h"
#include "pfgm/io/png.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/samplers/solver_table.h"
#include "pfgm/io/input_file.h"

namespace pfgm::cli::latent {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultSolver = "rk45";  // the accurate inverse; heun/euler trade accuracy for NFE
constexpr int kDefaultSteps = 18;
constexpr double kDefaultTolerance = 1e-5;

double meta_number(const Metadata& m, const std::string& key, double fallback) {
  const auto it = m.find(key);
  if (it == m.end()) return fallback;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    throw Error("[--latents] metadata " + key + ": got '" + it->second + "', expected a number");
  }
}

std::string read_file(const std::string& path, const std::string& flag) {
  io::check_input_file(path, flag);
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  PFGM_CHECK(f.good() || f.eof(), "[", flag, "] ", path, ": cannot be read");
  return s.str();
}

void check_images(const torch::Tensor& images, const Network& n, const std::string& source) {
  PFGM_CHECK(images.size(1) == n.channels && images.size(2) == n.resolution && images.size(3) == n.resolution,
             "[--images] ", source, ": images of ", images.size(1), "×", images.size(2), "×", images.size(3),
             ", the network ", n.file, " takes ", n.channels, "×", n.resolution, "×", n.resolution);
}

}  // namespace

Network load_network(const LatentArgs& a) {
  core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  Network n;
  n.file = find_network(a.network);
  n.model = networks::load_model(n.file);
  n.model->to(device);
  const auto& c = n.model->config();
  n.resolution = c.img_resolution();
  n.channels = c.img_channels();
  PFGM_CHECK(c.is_image(), "[--network] ", n.file, ": a ", networks::to_string(c.family),
             " model for vector data, expected an image network");
  return n;
}

std::string meta_or(const Metadata& m, const std::string& key, const std::string& fallback) {
  const auto it = m.find(key);
  return it == m.end() ? fallback : it->second;
}

samplers::SamplerOptions sampler_options(const LatentArgs& a, const Network& n, int64_t count, const Metadata& stored) {
  const auto& c = n.model->config();
  samplers::SamplerOptions s;
  s.solver = samplers::parse_solver(!a.solver.empty() ? a.solver : meta_or(stored, "solver", kDefaultSolver));
  const auto& solver = samplers::solver_entry(s.solver);
  PFGM_CHECK(c.precond != networks::Precond::PFGM || (solver.decode_z && solver.encode_z),
             "[--solver] PFGM models integrate with ", samplers::z_ode_solver_names(), ", got ", solver.name);
  s.schedule.num_steps = a.steps > 0 ? a.steps : static_cast<int>(meta_number(stored, "steps", kDefaultSteps));
  s.schedule.sigma_min = a.sigma_min > 0 ? a.sigma_min : meta_number(stored, "sigma_min", c.sigma_min);
  s.schedule.sigma_max = a.sigma_max > 0 ? a.sigma_max : meta_number(stored, "sigma_max", c.sigma_max);
  s.schedule.rho = a.rho > 0 ? a.rho : meta_number(stored, "rho", 7);
  s.rk45.rtol = a.rtol > 0 ? a.rtol : meta_number(stored, "rtol", kDefaultTolerance);
  s.rk45.atol = a.atol > 0 ? a.atol : meta_number(stored, "atol", kDefaultTolerance);
  PFGM_CHECK(s.schedule.sigma_max > s.schedule.sigma_min, "[--sigma_min/--sigma_max] got ", s.schedule.sigma_min,
             " and ", s.schedule.sigma_max, ", expected sigma_min < sigma_max");
  PFGM_CHECK(a.batch > 0, "[--batch] got ", a.batch, ", expected > 0");
  s.batch = a.batch;
  const int64_t label_dim = c.label_dim();
  const int64_t k = a.class_idx >= 0 ? a.class_idx : static_cast<int64_t>(meta_number(stored, "class", -1));
  if (label_dim) {
    PFGM_CHECK(k >= 0 && k < label_dim, "[--class] the model is conditional with ", label_dim,
               " classes: expected --class 0..", label_dim - 1, ", got ", k);
    s.class_labels = torch::zeros({count, label_dim});
    s.class_labels.select(1, k).fill_(1);
  } else {
    PFGM_CHECK(a.class_idx < 0, "[--class] the model is unconditional");
  }
  return s;
}

std::string describe(const samplers::SamplerOptions& s) {
  char text[128];
  if (s.solver == samplers::Solver::RK45)
    std::snprintf(text, sizeof text, "rk45, rtol %g, atol %g", s.rk45.rtol, s.rk45.atol);
  else
    std::snprintf(text, sizeof text, "%s, %d steps", samplers::to_string(s.solver).c_str(), s.schedule.num_steps);
  return text;
}

torch::Tensor load_images(const std::string& path, int64_t num, const Network& n) {
  PFGM_CHECK(!path.empty(), "[--images] required: a folder or zip of PNGs, a dataset, or an .npz with key x");
  PFGM_CHECK(num > 0, "[--num] got ", num, ", expected > 0");
  torch::Tensor images;
  if (fs::path(path).extension() == ".npz") {
    io::check_input_file(path, "--images");
    for (const auto& [key, array] : io::read_npz(path))
      if (key == "x") images = array;
    PFGM_CHECK(images.defined(), "[--images] ", path,
               ": no array x in this .npz (expected uint8 images NHWC under key x)");
    PFGM_CHECK(images.scalar_type() == torch::kUInt8 && images.dim() == 4 && images.size(0) > 0, "[--images] ", path,
               ": x must be uint8 [n, H, W, C] with n > 0, got ", images.scalar_type(), " of shape ", images.sizes());
    images = images.permute({0, 3, 1, 2}).contiguous();
  } else {
    images = data::load_image_dataset(path).images;
  }
  check_images(images, n, path);
  return images.narrow(0, 0, std::min(num, images.size(0))).contiguous();
}

torch::Tensor load_png(const std::string& path, const Network& n) {
  auto image = io::decode_png(read_file(path, "--images"), path).unsqueeze(0);
  check_images(image, n, path);
  return image;
}

}  // namespace pfgm::cli::latent
