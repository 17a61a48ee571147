// Samplers of the built-in 2-D toy distributions; each comment gives the raw construction and
// the centring/scaling that brings every coordinate to roughly unit standard deviation.
#include "pfgm/data/toy2d.h"

#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::data {
namespace {

const auto kF64 = torch::dtype(torch::kFloat64);
constexpr double kPi = 3.14159265358979323846;

torch::Tensor uniform(int64_t n, at::Generator& gen) { return at::rand({n}, gen, kF64); }
torch::Tensor normal(std::vector<int64_t> shape, at::Generator& gen) { return at::randn(shape, gen, kF64); }

// 8 Gaussians at angles 2 pi k / 8 on a circle of radius R, each of std 0.1 R. Per coordinate
// var = R^2 / 2 + (0.1 R)^2 = 0.51 R^2, so R = 1 / sqrt(0.51) gives unit std.
torch::Tensor gaussian_mixture(int64_t n, at::Generator& gen) {
  const double radius = 1.0 / std::sqrt(0.51);
  auto angle = at::randint(8, {n}, gen, kF64) * (2.0 * kPi / 8.0);
  auto centres = torch::stack({torch::cos(angle), torch::sin(angle)}, 1) * radius;
  return centres + normal({n, 2}, gen) * (0.1 * radius);
}

// Upper moon (cos t, sin t) and lower moon (1 - cos t, 1/2 - sin t), t ~ U[0, pi], plus N(0, 0.05^2)
// noise. Raw mean (1/2, 1/4), raw stds (0.87, 0.49); centred and multiplied by 1.4 (1 / the root
// mean variance), giving stds of about (1.22, 0.70).
torch::Tensor two_moons(int64_t n, at::Generator& gen) {
  auto t = uniform(n, gen) * kPi;
  auto lower = at::randint(2, {n}, gen, kF64);  // 0: upper moon, 1: lower moon
  auto x = torch::cos(t) + lower * (1.0 - 2.0 * torch::cos(t));
  auto y = torch::sin(t) + lower * (0.5 - 2.0 * torch::sin(t));
  auto p = torch::stack({x - 0.5, y - 0.25}, 1) + normal({n, 2}, gen) * 0.05;
  return p * 1.4;
}

// 3 concentric rings of radii s, 2s, 3s (ring chosen uniformly, angle uniform) with radial
// N(0, (0.05 s)^2) noise. Per coordinate var = E[r^2] / 2 = (14 / 3) s^2 / 2, so s = sqrt(3 / 7).
torch::Tensor rings(int64_t n, at::Generator& gen) {
  const double s = std::sqrt(3.0 / 7.0);
  auto radius = (at::randint(3, {n}, gen, kF64) + 1.0 + normal({n}, gen) * 0.05) * s;
  auto angle = uniform(n, gen) * (2.0 * kPi);
  return torch::stack({radius * torch::cos(angle), radius * torch::sin(angle)}, 1);
}

// 4x4 board on [-2, 2]^2, uniform in the 8 squares (i, j) with i + j even. Each coordinate is
// then uniform on [-2, 2] (var 4/3); scaling by sqrt(3)/2 gives [-sqrt 3, sqrt 3] and unit std.
torch::Tensor checkerboard(int64_t n, at::Generator& gen) {
  auto i = at::randint(4, {n}, gen, kF64);
  auto j_half = at::randint(2, {n}, gen, kF64);
  auto j = 2.0 * j_half + torch::remainder(i, 2.0);  // rows with the parity of i: i + j even
  auto x = i + uniform(n, gen) - 2.0;
  auto y = j + uniform(n, gen) - 2.0;
  return torch::stack({x, y}, 1) * (kCheckerHalfWidth / 2.0);
}

// (t cos t, t sin t), t = 1.5 pi (1 + 2u), u ~ U[0, 1], plus N(0, 0.25^2) noise. Raw mean
// (2, 2 / (3 pi)), raw stds (6.6, 6.9); centred and divided by 6.8.
torch::Tensor swiss_roll(int64_t n, at::Generator& gen) {
  auto t = (1.0 + 2.0 * uniform(n, gen)) * (1.5 * kPi);
  auto p = torch::stack({t * torch::cos(t) - 2.0, t * torch::sin(t) - 2.0 / (3.0 * kPi)}, 1);
  return (p + normal({n, 2}, gen) * 0.25) / 6.8;
}

// The heart curve x = 16 sin^3 t, y = 13 cos t - 5 cos 2t - 2 cos 3t - cos 4t as a polygon.
const std::vector<std::pair<double, double>>& heart_polygon() {
  static const std::vector<std::pair<double, double>> polygon = [] {
    std::vector<std::pair<double, double>> p;
    const int m = 1024;
    for (int k = 0; k < m; ++k) {
      const double t = 2.0 * kPi * k / m;
      p.emplace_back(16.0 * std::pow(std::sin(t), 3),
                     13.0 * std::cos(t) - 5.0 * std::cos(2 * t) - 2.0 * std::cos(3 * t) - std::cos(4 * t));
    }
    return p;
  }();
  return polygon;
}

bool inside_heart(double x, double y) {  // crossing-number test
  const auto& p = heart_polygon();
  bool in = false;
  for (size_t a = 0, b = p.size() - 1; a < p.size(); b = a++) {
    const auto [xa, ya] = p[a];
    const auto [xb, yb] = p[b];
    if ((ya > y) != (yb > y) && x < xa + (y - ya) * (xb - xa) / (yb - ya)) in = !in;
  }
  return in;
}

// Uniform inside the heart curve (area 180 pi) by rejection from the box [-16, 16] x [-17, 12]
// (acceptance ~0.6). Raw mean (0, 5/6), raw stds (7.97, 6.16) (Green's theorem); centred and
// divided by 7.
torch::Tensor heart(int64_t n, at::Generator& gen) {
  auto out = torch::empty({n, 2}, kF64);
  auto o = out.accessor<double, 2>();
  int64_t filled = 0;
  while (filled < n) {
    const int64_t batch = std::max<int64_t>(64, 2 * (n - filled));
    auto box = at::rand({batch, 2}, gen, kF64);
    auto b = box.accessor<double, 2>();
    for (int64_t k = 0; k < batch && filled < n; ++k) {
      const double x = -16.0 + 32.0 * b[k][0], y = -17.0 + 29.0 * b[k][1];
      if (!inside_heart(x, y)) continue;
      o[filled][0] = x / 7.0;
      o[filled][1] = (y - 5.0 / 6.0) / 7.0;
      ++filled;
    }
  }
  return out;
}

}  // namespace

const std::vector<std::string>& toy2d_names() {
  static const std::vector<std::string> names = {"gaussian_mixture", "two_moons", "rings",
                                                 "checkerboard",     "swiss_roll", "heart"};
  return names;
}

torch::Tensor sample_toy2d(const std::string& name, int64_t n, at::Generator& gen) {
  PFGM_CHECK(n >= 0, "[data] number of points: got ", n, ", expected >= 0");
  if (name == "gaussian_mixture") return gaussian_mixture(n, gen);
  if (name == "two_moons") return two_moons(n, gen);
  if (name == "rings") return rings(n, gen);
  if (name == "checkerboard") return checkerboard(n, gen);
  if (name == "swiss_roll") return swiss_roll(n, gen);
  if (name == "heart") return heart(n, gen);
  std::string valid;
  for (const auto& v : toy2d_names()) valid += (valid.empty() ? "" : ", ") + v;
  throw Error("[data] got '" + name + "', expected one of: " + valid);
}

}  // namespace pfgm::data
