// `pfgm encode | decode | interpolate | temperature`: the invertible probability-flow map between
// images and the prior's latents. encode integrates the ODE forward (data at σ_min → x_T at σ_max),
// decode is generation from given latents; interpolate walks the prior's geometry (slerp of
// directions, quantile interpolation of radii); temperature scales x_T. Each writes a grid PNG.
// The flags; latent_encode.cpp and latent_explore.cpp run the commands.
#include <memory>

#include "commands.h"
#include "latent_run.h"

namespace pfgm::cli {

namespace {

void add_common_flags(CLI::App* c, latent::LatentArgs& a) {
  c->add_option("--network", a.network, "network-snapshot-*.safetensors, or a run directory (its newest)")->required();
  c->add_option("--solver", a.solver, "rk45 | heun | euler (default rk45)");
  c->add_option("--steps", a.steps, "heun/euler: time steps (default 18; PFGM euler: steps in ln z)")
      ->check(CLI::PositiveNumber);
  c->add_option("--rtol", a.rtol, "rk45 relative tolerance (default 1e-5)")->check(CLI::PositiveNumber);
  c->add_option("--atol", a.atol, "rk45 absolute tolerance (default 1e-5)")->check(CLI::PositiveNumber);
  c->add_option("--sigma_min", a.sigma_min, "lowest σ (default: the model's)")->check(CLI::PositiveNumber);
  c->add_option("--sigma_max", a.sigma_max, "highest σ, the latents' scale (default: the model's)")
      ->check(CLI::PositiveNumber);
  c->add_option("--rho", a.rho, "time step exponent ρ (default 7)")->check(CLI::PositiveNumber);
  c->add_option("--class", a.class_idx, "class label of every image (conditional models)");
  c->add_option("--batch", a.batch, "images integrated together (results do not depend on it)")->capture_default_str();
  c->add_option("--device", a.device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", a.threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
}

}  // namespace

void add_latent_commands(CLI::App& app) {
  {
    auto a = std::make_shared<latent::EncodeArgs>();
    auto* c =
        app.add_subcommand("encode", "images → latents by the probability-flow ODE; grid of inputs and decoded images");
    add_common_flags(c, *a);
    c->add_option("--images", a->images,
                  "a folder or zip of PNGs, a dataset (as pfgm train --data), or an .npz (key x, uint8 NHWC)")
        ->required();
    c->add_option("--out", a->out, "latents file (.safetensors)")->required();
    c->add_option("--num", a->num, "encode the first NUM images")->check(CLI::PositiveNumber)->capture_default_str();
    c->add_option("--grid", a->grid, "grid PNG: inputs, then decoded (default: --out with .png)");
    c->callback([a] { latent::run_encode(*a); });
  }
  {
    auto a = std::make_shared<latent::DecodeArgs>();
    auto* c = app.add_subcommand("decode", "latents → images (solver defaults: those stored by pfgm encode)");
    add_common_flags(c, *a);
    c->add_option("--latents", a->latents, "latents file written by pfgm encode")->required();
    c->add_option("--outdir", a->outdir, "where the images go: <index>.png and grid.png")->required();
    c->add_option("--grid", a->grid, "grid PNG path (default <outdir>/grid.png)");
    c->callback([a] { latent::run_decode(*a); });
  }
  {
    auto a = std::make_shared<latent::InterpolateArgs>();
    auto* c = app.add_subcommand("interpolate", "decoded images along the prior's geodesic between two latents");
    add_common_flags(c, *a);
    c->add_option("--seeds", a->seeds, "two seeds A,B: their prior draws");
    c->add_option("--images", a->images, "two PNGs a.png,b.png: their encodings");
    c->add_option("--frames", a->frames, "images along the path, ends included")->capture_default_str();
    c->add_option("--out", a->out, "grid PNG")->required();
    c->callback([a] { latent::run_interpolate(*a); });
  }
  {
    auto a = std::make_shared<latent::TemperatureArgs>();
    auto* c = app.add_subcommand("temperature",
                                 "grid of seeds (rows) decoded from τ·x_T for each temperature τ (columns)");
    add_common_flags(c, *a);
    c->add_option("--seeds", a->seeds, "seeds, e.g. 0-7 or 1,5,9-12")->capture_default_str();
    c->add_option("--temperatures", a->temperatures, "comma-separated τ > 0")->capture_default_str();
    c->add_option("--out", a->out, "grid PNG")->required();
    c->callback([a] { latent::run_temperature(*a); });
  }
}

}  // namespace pfgm::cli
