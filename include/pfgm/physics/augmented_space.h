#pragma once
// PFGM++ (Xu et al. 2023), Sec. 3: data x in R^N are charges on the hyperplane of R^(N+D); the
// D augmented coordinates enter only through their norm r. Alignment with diffusion: r = σ√D
// (Sec. 4); D = ∞ is the EDM diffusion model (Theorem 1).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace pfgm::physics {

constexpr double kInfiniteD = std::numeric_limits<double>::infinity();

struct AugmentedSpace {
  int64_t N = 2;          // data dimension
  double D = 128;         // augmented dimensions, any real D > 0, or kInfiniteD (diffusion)

  bool is_diffusion() const { return std::isinf(D); }
  double r(double sigma) const { return sigma * std::sqrt(D); }  // r = σ√D
};

// Parses `--aug_dim`: a real D > 0 or "inf"; names the flag in the error.
double parse_aug_dim(const std::string& text, const std::string& flag = "--aug_dim");
// "inf" or the shortest decimal that reads back as D.
std::string format_aug_dim(double D);

}  // namespace pfgm::physics
