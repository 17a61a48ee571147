// `pfgm encode | decode`: the invertible probability-flow map between images and the prior's latents.
// encode integrates the ODE forward (data at σ_min → x_T at σ_max), decode is generation from given latents.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "latent_run.h"
#include "run_control.h"
#include "pfgm/core/error.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/pixels.h"
#include "pfgm/io/png.h"
#include "pfgm/io/safetensors.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/samplers/encoder.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/io/output_folder.h"
#include "pfgm/io/input_file.h"

namespace pfgm::cli::latent {

namespace fs = std::filesystem;

namespace {

void write_images(const std::string& outdir, const torch::Tensor& images) {
  io::make_output_folder(outdir, "--outdir");
  for (int64_t i = 0; i < images.size(0); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%06lld.png", (long long)i);
    io::write_png((fs::path(outdir) / name).string(), images[i]);
  }
}

}  // namespace

void run_encode(const EncodeArgs& a) {
  PFGM_CHECK(!a.out.empty(), "[--out] required: the latents file (.safetensors)");
  auto n = load_network(a);
  const auto images = load_images(a.images, a.num, n);
  const int64_t B = images.size(0);
  auto s = sampler_options(a, n, B);
  const auto x = io::to_model_range(images).to(torch::kFloat64);

  CountProgress encoding("encode", "images"), decoding("decode", "images");
  s.progress = [&](int64_t done, int64_t total) { encoding(done, total); };
  const auto enc = samplers::encode(*n.model, x, s);
  s.progress = [&](int64_t done, int64_t total) { decoding(done, total); };
  const auto dec = samplers::decode(*n.model, enc.latents, s);
  end_progress();
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

void run_decode(const DecodeArgs& a) {
  PFGM_CHECK(!a.latents.empty(), "[--latents] required: a latents file written by pfgm encode");
  PFGM_CHECK(!a.outdir.empty(), "[--outdir] required: where the images go");
  io::check_input_file(a.latents, "--latents");
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
             ": latents of a ", stored_precond, " model, the network is ",
             networks::to_string(n.model->config().precond));
  auto s = sampler_options(a, n, latents.size(0), file.metadata);
  CountProgress progress("decode", "images");
  s.progress = [&](int64_t done, int64_t total) { progress(done, total); };
  const auto out = samplers::decode(*n.model, latents, s);
  end_progress();
  const auto images = io::to_uint8(out.x);
  write_images(a.outdir, images);
  const std::string grid = !a.grid.empty() ? a.grid : (fs::path(a.outdir) / "grid.png").string();
  io::write_png(grid, io::image_grid(images));
  std::printf("%lld images from %s decoded with %s (NFE %lld) in %s; grid %s\n", (long long)images.size(0),
              a.latents.c_str(), describe(s).c_str(), (long long)out.nfe, a.outdir.c_str(), grid.c_str());
}

}  // namespace pfgm::cli::latent
