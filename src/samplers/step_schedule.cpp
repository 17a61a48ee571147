#include "pfgm/samplers/step_schedule.h"

#include <cmath>

#include "pfgm/core/error.h"

namespace pfgm::samplers {

std::vector<double> edm_sigma_steps(const StepSchedule& s) {
  PFGM_CHECK(s.num_steps >= 1, "[steps] got ", s.num_steps, ", expected at least 1");
  PFGM_CHECK(s.sigma_min > 0 && s.sigma_max > s.sigma_min, "[sigma_min/sigma_max] got ", s.sigma_min, " and ",
             s.sigma_max, ", expected 0 < sigma_min < sigma_max");
  PFGM_CHECK(s.rho > 0, "[rho] got ", s.rho, ", expected > 0");
  std::vector<double> t(s.num_steps + 1, 0.0);
  const double a = std::pow(s.sigma_max, 1 / s.rho), b = std::pow(s.sigma_min, 1 / s.rho);
  const double denom = s.num_steps > 1 ? s.num_steps - 1 : 1;
  for (int i = 0; i < s.num_steps; ++i) t[i] = std::pow(a + i / denom * (b - a), s.rho);
  return t;
}

}  // namespace pfgm::samplers
