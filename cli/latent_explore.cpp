// `pfgm interpolate | temperature`: grids decoded from points of the prior. interpolate walks its
// geometry (slerp of directions, quantile interpolation of radii); temperature scales x_T.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "latent_run.h"
#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/pixels.h"
#include "pfgm/io/png.h"
#include "pfgm/samplers/encoder.h"
#include "pfgm/samplers/latent_path.h"
#include "pfgm/samplers/sampler.h"

namespace pfgm::cli::latent {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream s(text);
  for (std::string p; std::getline(s, p, sep);)
    if (!p.empty()) parts.push_back(p);
  return parts;
}

}  // namespace

void run_interpolate(const InterpolateArgs& a) {
  PFGM_CHECK(a.seeds.empty() != a.images.empty(),
             "[--seeds/--images] give exactly one: two seeds A,B or two PNGs a.png,b.png");
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
    const auto enc = samplers::encode(*n.model, io::to_model_range(images).to(torch::kFloat64), s2);
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

}  // namespace pfgm::cli::latent
