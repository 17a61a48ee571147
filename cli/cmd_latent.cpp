// `pfgm encode | decode | interpolate | temperature`: the invertible probability-flow map between
// images and the prior's latents. encode integrates the ODE forward (data at σ_min → x_T at σ_max),
// decode is generation from given latents; interpolate walks the prior's geometry (slerp of
// directions, quantile interpolation of radii); temperature scales x_T. Each writes a grid PNG.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "commands.h"
#include "network_path.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/io/npy.h"
#include "pfgm/io/png.h"
#include "pfgm/io/safetensors.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/samplers/encoder.h"
#include "pfgm/samplers/latent_path.h"
#include "pfgm/samplers/sampler.h"

namespace pfgm::cli {

namespace fs = std::filesystem;

namespace {

// Flags every latent command shares. Zero / empty means "not given": the defaults below, or for
// decode the values stored with the latents.
struct LatentArgs {
  std::string network, device = "auto", solver;
  int steps = 0;
  double sigma_min = 0, sigma_max = 0, rho = 0, rtol = 0, atol = 0;
  int64_t batch = 64, class_idx = -1;
  int threads = 0;
};

constexpr const char* kDefaultSolver = "rk45";  // the accurate inverse; heun/euler trade accuracy for NFE
constexpr int kDefaultSteps = 18;
constexpr double kDefaultTolerance = 1e-5;

void add_common_flags(CLI::App* c, LatentArgs& a) {
  c->add_option("--network", a.network, "network-snapshot-*.safetensors, or a run directory (its newest)")->required();
  c->add_option("--solver", a.solver, "rk45 | heun | euler (default rk45)");
  c->add_option("--steps", a.steps, "heun/euler: time steps (default 18; PFGM euler: steps in ln z)")
      ->check(CLI::PositiveNumber);
  c->add_option("--rtol", a.rtol, "rk45 relative tolerance (default 1e-5)")->check(CLI::PositiveNumber);
  c->add_option("--atol", a.atol, "rk45 absolute tolerance (default 1e-5)")->check(CLI::PositiveNumber);
  c->add_option("--sigma_min", a.sigma_min, "lowest σ (default: the model's)")->check(CLI::PositiveNumber);
  c->add_option("--sigma_max", a.sigma_max, "highest σ, the latents' scale (default: the model's)")->check(CLI::PositiveNumber);
  c->add_option("--rho", a.rho, "time step exponent ρ (default 7)")->check(CLI::PositiveNumber);
  c->add_option("--class", a.class_idx, "class label of every image (conditional models)");
  c->add_option("--batch", a.batch, "images integrated together (results do not depend on it)")->capture_default_str();
  c->add_option("--device", a.device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", a.threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
}

struct Network {
  std::string file;
  std::shared_ptr<networks::Model> model;
  int64_t channels = 0, resolution = 0;
  std::vector<int64_t> shape() const { return {channels, resolution, resolution}; }
};

Network load_network(const LatentArgs& a) {
  core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  Network n;
  n.file = find_network(a.network);
  n.model = io::load_model(n.file);
  n.model->to(device);
  const auto& c = n.model->config();
  n.resolution = c.network.value("img_resolution", int64_t{0});
  n.channels = c.network.value("img_channels", int64_t{3});
  PFGM_CHECK(n.resolution > 0, "[--network] ", n.file, ": a ", c.model_type, " model for vector data, expected an image network");
  return n;
}

// What a latent file stores about how it was made (decode's defaults).
using Metadata = std::map<std::string, std::string>;

std::string meta_or(const Metadata& m, const std::string& key, const std::string& fallback) {
  const auto it = m.find(key);
  return it == m.end() ? fallback : it->second;
}

double meta_number(const Metadata& m, const std::string& key, double fallback) {
  const auto it = m.find(key);
  if (it == m.end()) return fallback;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    throw Error("[--latents] metadata " + key + ": got '" + it->second + "', expected a number");
  }
}

// Sampler options from the flags, then `stored` (decode: the latents' metadata), then the defaults.
samplers::SamplerOptions sampler_options(const LatentArgs& a, const Network& n, int64_t count, const Metadata& stored = {}) {
  const auto& c = n.model->config();
  samplers::SamplerOptions s;
  s.solver = samplers::parse_solver(!a.solver.empty() ? a.solver : meta_or(stored, "solver", kDefaultSolver));
  PFGM_CHECK(c.precond != networks::Precond::PFGM || s.solver != samplers::Solver::Heun,
             "[--solver] PFGM models integrate with euler or rk45, got heun");
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
  const int64_t label_dim = c.network.value("label_dim", int64_t{0});
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

std::string read_file(const std::string& path, const std::string& flag) {
  PFGM_CHECK(fs::is_regular_file(path), "[", flag, "] ", path, ": no such file");
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  PFGM_CHECK(f.good() || f.eof(), "[", flag, "] ", path, ": cannot be read");
  return s.str();
}

void check_images(const torch::Tensor& images, const Network& n, const std::string& source) {
  PFGM_CHECK(images.size(1) == n.channels && images.size(2) == n.resolution && images.size(3) == n.resolution,
             "[--images] ", source, ": images of ", images.size(1), "×", images.size(2), "×", images.size(3), ", the network ",
             n.file, " takes ", n.channels, "×", n.resolution, "×", n.resolution);
}

// uint8 [n, C, H, W]: an .npz with key x (uint8 NHWC, as generate --npz writes), else any dataset
// load_image_dataset reads (a folder of PNGs, a zip, idx files, fashion-mnist); the first `num`.
torch::Tensor load_images(const std::string& path, int64_t num, const Network& n) {
  PFGM_CHECK(!path.empty(), "[--images] required: a folder or zip of PNGs, a dataset, or an .npz with key x");
  PFGM_CHECK(num > 0, "[--num] got ", num, ", expected > 0");
  torch::Tensor images;
  if (fs::path(path).extension() == ".npz") {
    PFGM_CHECK(fs::is_regular_file(path), "[--images] ", path, ": no such file");
    for (const auto& [key, array] : io::read_npz(path))
      if (key == "x") images = array;
    PFGM_CHECK(images.defined(), "[--images] ", path, ": no array x in this .npz (expected uint8 images NHWC under key x)");
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

// ---------------------------------------------------------------------------------------------
// encode

struct EncodeArgs : LatentArgs {
  std::string images, out, grid;
  int64_t num = 16;
};

void run_encode(const EncodeArgs& a) {
  PFGM_CHECK(!a.out.empty(), "[--out] required: the latents file (.safetensors)");
  auto n = load_network(a);
  const auto images = load_images(a.images, a.num, n);
  const int64_t B = images.size(0);
  const auto s = sampler_options(a, n, B);
  const auto x = data::to_model_range(images).to(torch::kFloat64);

  const auto enc = samplers::encode(*n.model, x, s);
  const auto dec = samplers::decode(*n.model, enc.latents, s);
  const auto err = dec.x - x;
  const double max_err = err.abs().max().item<double>(), rms = err.pow(2).mean().sqrt().item<double>();
  const auto recon = io::to_uint8(dec.x);
  const int64_t max_u8 = (recon.to(torch::kInt32) - images.to(torch::kInt32)).abs().max().item<int32_t>();

  const auto& c = n.model->config();
  Metadata meta{{"format", "pfgm-latents"},
                {"network", n.file},
                {"images", a.images},
                {"precond", networks::to_string(c.precond)},
                {"D", physics::format_aug_dim(c.D)},
                {"solver", samplers::to_string(s.solver)},
                {"steps", std::to_string(s.schedule.num_steps)},
                {"nfe", std::to_string(enc.nfe)}};
  auto number = [](double v) {
    std::ostringstream o;
    o.precision(17);
    o << v;
    return o.str();
  };
  meta["sigma_min"] = number(s.schedule.sigma_min);
  meta["sigma_max"] = number(s.schedule.sigma_max);
  if (c.precond == networks::Precond::PFGM) meta["z_min"] = number(c.z_min), meta["z_max"] = number(c.z_max);
  meta["rho"] = number(s.schedule.rho);
  meta["rtol"] = number(s.rk45.rtol);
  meta["atol"] = number(s.rk45.atol);
  if (s.class_labels.defined()) meta["class"] = std::to_string(s.class_labels[0].argmax().item<int64_t>());
  const std::string grid = !a.grid.empty() ? a.grid : fs::path(a.out).replace_extension(".png").string();
  PFGM_CHECK(grid != a.out, "[--grid] ", grid, " is the latents file");
  io::write_safetensors(a.out, {{"latents", enc.latents}}, meta);
  io::write_png(grid, io::image_grid(torch::cat({images, recon}), B));  // row 1: inputs, row 2: decoded
  std::printf("%lld images from %s encoded with %s (NFE %lld) into %s; grid %s (inputs, then decoded)\n", (long long)B,
              a.images.c_str(), describe(s).c_str(), (long long)enc.nfe, a.out.c_str(), grid.c_str());
  std::printf("round trip: max %.3e RMS %.3e (model units), max %.3f RMS %.3f (pixels of [0, 255]), uint8 max %lld; "
              "NFE encode %lld decode %lld\n",
              max_err, rms, 127.5 * max_err, 127.5 * rms, (long long)max_u8, (long long)enc.nfe, (long long)dec.nfe);
}

// ---------------------------------------------------------------------------------------------
// decode

struct DecodeArgs : LatentArgs {
  std::string latents, outdir, grid;
};

void write_images(const std::string& outdir, const torch::Tensor& images) {
  fs::create_directories(outdir);
  for (int64_t i = 0; i < images.size(0); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%06lld.png", (long long)i);
    io::write_png((fs::path(outdir) / name).string(), images[i]);
  }
}

void run_decode(const DecodeArgs& a) {
  PFGM_CHECK(!a.latents.empty(), "[--latents] required: a latents file written by pfgm encode");
  PFGM_CHECK(!a.outdir.empty(), "[--outdir] required: where the images go");
  PFGM_CHECK(fs::is_regular_file(a.latents), "[--latents] ", a.latents, ": no such file");
  const auto file = io::read_safetensors(a.latents);
  const auto* t = file.find("latents");
  PFGM_CHECK(t, "[--latents] ", a.latents, ": no tensor 'latents' (expected a file written by pfgm encode)");
  auto n = load_network(a);
  auto latents = t->to(torch::kFloat64);
  PFGM_CHECK(latents.dim() == 4 && latents.size(0) > 0 && latents.size(1) == n.channels &&
                 latents.size(2) == n.resolution && latents.size(3) == n.resolution,
             "[--latents] ", a.latents, ": latents of shape ", latents.sizes(), ", the network ", n.file, " takes [B, ",
             n.channels, ", ", n.resolution, ", ", n.resolution, "]");
  PFGM_CHECK(torch::isfinite(latents).all().item<bool>(), "[--latents] ", a.latents, ": non-finite values");
  const auto stored_precond = meta_or(file.metadata, "precond", networks::to_string(n.model->config().precond));
  PFGM_CHECK(stored_precond == networks::to_string(n.model->config().precond), "[--latents] ", a.latents,
             ": latents of a ", stored_precond, " model, the network is ", networks::to_string(n.model->config().precond));
  const auto s = sampler_options(a, n, latents.size(0), file.metadata);
  const auto out = samplers::decode(*n.model, latents, s);
  const auto images = io::to_uint8(out.x);
  write_images(a.outdir, images);
  const std::string grid = !a.grid.empty() ? a.grid : (fs::path(a.outdir) / "grid.png").string();
  io::write_png(grid, io::image_grid(images));
  std::printf("%lld images from %s decoded with %s (NFE %lld) in %s; grid %s\n", (long long)images.size(0),
              a.latents.c_str(), describe(s).c_str(), (long long)out.nfe, a.outdir.c_str(), grid.c_str());
}

// ---------------------------------------------------------------------------------------------
// interpolate

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream s(text);
  for (std::string p; std::getline(s, p, sep);)
    if (!p.empty()) parts.push_back(p);
  return parts;
}

struct InterpolateArgs : LatentArgs {
  std::string seeds, images, out;
  int64_t frames = 8;
};

void run_interpolate(const InterpolateArgs& a) {
  PFGM_CHECK(a.seeds.empty() != a.images.empty(), "[--seeds/--images] give exactly one: two seeds A,B or two PNGs a.png,b.png");
  PFGM_CHECK(!a.out.empty(), "[--out] required: the grid PNG");
  PFGM_CHECK(a.frames >= 2, "[--frames] got ", a.frames, ", expected at least 2");
  auto n = load_network(a);
  auto s = sampler_options(a, n, a.frames);
  torch::Tensor ends;
  std::string from;
  int64_t nfe_encode = 0;
  if (!a.seeds.empty()) {
    const auto seeds = core::parse_seeds(a.seeds);
    PFGM_CHECK(seeds.size() == 2, "[--seeds] got ", seeds.size(), " seeds, expected two: A,B");
    ends = samplers::prior_latents(n.model->config(), seeds, n.shape(), s.schedule.sigma_max);
    from = "seeds " + std::to_string(seeds[0]) + " → " + std::to_string(seeds[1]);
  } else {
    const auto files = split(a.images, ',');
    PFGM_CHECK(files.size() == 2, "[--images] got ", files.size(), " files, expected two: a.png,b.png");
    const auto images = torch::cat({load_png(files[0], n), load_png(files[1], n)});
    auto s2 = s;
    if (s2.class_labels.defined()) s2.class_labels = s2.class_labels.narrow(0, 0, 2);
    const auto enc = samplers::encode(*n.model, data::to_model_range(images).to(torch::kFloat64), s2);
    ends = enc.latents;
    nfe_encode = enc.nfe;
    from = files[0] + " → " + files[1];
  }
  const auto& c = n.model->config();
  const auto law = samplers::prior_radius_law(c, s.schedule.sigma_max);
  const auto path = samplers::latent_path(law, ends[0], ends[1], a.frames);
  const auto out = samplers::decode(*n.model, path, s);
  io::write_png(a.out, io::image_grid(io::to_uint8(out.x), a.frames));
  std::printf("%lld frames from %s (%s, NFE %lld per batch%s) in %s\n", (long long)a.frames, from.c_str(),
              describe(s).c_str(), (long long)out.nfe,
              nfe_encode ? (", encode NFE " + std::to_string(nfe_encode)).c_str() : "", a.out.c_str());
}

// ---------------------------------------------------------------------------------------------
// temperature

struct TemperatureArgs : LatentArgs {
  std::string seeds = "0-7", temperatures = "0.8,0.9,1,1.1,1.2", out;
};

void run_temperature(const TemperatureArgs& a) {
  PFGM_CHECK(!a.out.empty(), "[--out] required: the grid PNG");
  std::vector<double> taus;
  for (const auto& p : split(a.temperatures, ',')) {
    size_t used = 0;
    double tau = 0;
    try {
      tau = std::stod(p, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    PFGM_CHECK(used == p.size() && tau > 0 && std::isfinite(tau), "[--temperatures] got '", p,
               "', expected comma-separated temperatures > 0");
    taus.push_back(tau);
  }
  PFGM_CHECK(!taus.empty(), "[--temperatures] expected at least one temperature");
  const auto seeds = core::parse_seeds(a.seeds);
  PFGM_CHECK(!seeds.empty(), "[--seeds] no seeds given");
  auto n = load_network(a);
  const int64_t S = static_cast<int64_t>(seeds.size()), T = static_cast<int64_t>(taus.size());
  const auto s = sampler_options(a, n, S * T);
  const auto x_T = samplers::prior_latents(n.model->config(), seeds, n.shape(), s.schedule.sigma_max);
  std::vector<torch::Tensor> rows;  // seed-major: row i, column j = seed i at temperature j
  for (int64_t i = 0; i < S; ++i)
    for (double tau : taus) rows.push_back(samplers::apply_temperature(x_T.narrow(0, i, 1), tau));
  const auto out = samplers::decode(*n.model, torch::cat(rows), s);
  io::write_png(a.out, io::image_grid(io::to_uint8(out.x), T));
  std::printf("%lld seeds × %lld temperatures (%s, NFE %lld) in %s\n", (long long)S, (long long)T, describe(s).c_str(),
              (long long)out.nfe, a.out.c_str());
}

}  // namespace

void add_latent_commands(CLI::App& app) {
  {
    auto a = std::make_shared<EncodeArgs>();
    auto* c = app.add_subcommand("encode", "images → latents by the probability-flow ODE; grid of inputs and decoded images");
    add_common_flags(c, *a);
    c->add_option("--images", a->images, "a folder or zip of PNGs, a dataset (as pfgm train --data), or an .npz (key x, uint8 NHWC)")
        ->required();
    c->add_option("--out", a->out, "latents file (.safetensors)")->required();
    c->add_option("--num", a->num, "encode the first NUM images")->check(CLI::PositiveNumber)->capture_default_str();
    c->add_option("--grid", a->grid, "grid PNG: inputs, then decoded (default: --out with .png)");
    c->callback([a] { run_encode(*a); });
  }
  {
    auto a = std::make_shared<DecodeArgs>();
    auto* c = app.add_subcommand("decode", "latents → images (solver defaults: those stored by pfgm encode)");
    add_common_flags(c, *a);
    c->add_option("--latents", a->latents, "latents file written by pfgm encode")->required();
    c->add_option("--outdir", a->outdir, "where the images go: <index>.png and grid.png")->required();
    c->add_option("--grid", a->grid, "grid PNG path (default <outdir>/grid.png)");
    c->callback([a] { run_decode(*a); });
  }
  {
    auto a = std::make_shared<InterpolateArgs>();
    auto* c = app.add_subcommand("interpolate", "decoded images along the prior's geodesic between two latents");
    add_common_flags(c, *a);
    c->add_option("--seeds", a->seeds, "two seeds A,B: their prior draws");
    c->add_option("--images", a->images, "two PNGs a.png,b.png: their encodings");
    c->add_option("--frames", a->frames, "images along the path, ends included")->capture_default_str();
    c->add_option("--out", a->out, "grid PNG")->required();
    c->callback([a] { run_interpolate(*a); });
  }
  {
    auto a = std::make_shared<TemperatureArgs>();
    auto* c = app.add_subcommand("temperature", "grid of seeds (rows) decoded from τ·x_T for each temperature τ (columns)");
    add_common_flags(c, *a);
    c->add_option("--seeds", a->seeds, "seeds, e.g. 0-7 or 1,5,9-12")->capture_default_str();
    c->add_option("--temperatures", a->temperatures, "comma-separated τ > 0")->capture_default_str();
    c->add_option("--out", a->out, "grid PNG")->required();
    c->callback([a] { run_temperature(*a); });
  }
}

}  // namespace pfgm::cli
