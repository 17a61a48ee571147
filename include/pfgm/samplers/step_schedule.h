#pragma once
// EDM (Karras et al. 2022), Eq. (5): t_i = (σ_max^(1/ρ) + i/(n−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ,
// i = 0..n−1, followed by t_n = 0.
#include <vector>

namespace pfgm::samplers {

struct StepSchedule {
  int num_steps = 18;       // n (NFE = 2n − 1 with Heun)
  double sigma_min = 0.002; // σ_min
  double sigma_max = 80;    // σ_max
  double rho = 7;           // ρ
};

// n + 1 values in float64, the last one 0.
std::vector<double> edm_sigma_steps(const StepSchedule& schedule);

}  // namespace pfgm::samplers
