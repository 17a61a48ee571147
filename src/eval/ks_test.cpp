// One-sample Kolmogorov-Smirnov test (Stephens-corrected Kolmogorov p-value) and Boost.Math based
// Beta / Beta-prime / chi CDFs.
#include "pfgm/eval/ks_test.h"

#include <algorithm>
#include <cmath>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "pfgm/core/error.h"

namespace pfgm::eval {

double kolmogorov_survival(double lambda) {
  PFGM_CHECK(!std::isnan(lambda), "[ks_test] kolmogorov_survival: got NaN, expected a number");
  if (lambda <= 0.0) return 1.0;
  if (lambda < 1.0) {
    // Small lambda: the Jacobi-theta form of the CDF converges fast,
    // K(l) = sqrt(2 pi) / l * sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 l^2)).
    const double pi = 3.14159265358979323846;
    double sum = 0.0;
    for (int k = 1; k <= 50; ++k) {
      const double term = std::exp(-(2.0 * k - 1) * (2.0 * k - 1) * pi * pi / (8.0 * lambda * lambda));
      sum += term;
      if (term < 1e-300 || term < 1e-17 * sum) break;
    }
    return std::clamp(1.0 - std::sqrt(2.0 * pi) / lambda * sum, 0.0, 1.0);
  }
  double sum = 0.0, sign = 1.0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    sum += sign * term;
    sign = -sign;
    if (term < 1e-300 || term < 1e-17 * std::abs(sum)) break;
  }
  return std::clamp(2.0 * sum, 0.0, 1.0);
}

KSResult ks_test(std::vector<double> samples, const std::function<double(double)>& cdf) {
  const size_t n = samples.size();
  PFGM_CHECK(n > 0, "[ks_test] samples: got 0 values, expected at least 1");
  std::sort(samples.begin(), samples.end());
  double d = 0.0;
  for (size_t i = 0; i < n; ++i) {
    PFGM_CHECK(std::isfinite(samples[i]), "[ks_test] samples: got ", samples[i], ", expected finite values");
    const double f = cdf(samples[i]);
    PFGM_CHECK(f >= 0.0 && f <= 1.0, "[ks_test] cdf(", samples[i], "): got ", f, ", expected a value in [0, 1]");
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  const double sn = std::sqrt(static_cast<double>(n));
  return {d, kolmogorov_survival((sn + 0.12 + 0.11 / sn) * d)};
}

std::function<double(double)> beta_cdf(double a, double b) {
  PFGM_CHECK(a > 0 && b > 0, "[beta_cdf] parameters: got a=", a, " b=", b, ", expected a > 0 and b > 0");
  return [a, b](double x) {
    if (x <= 0.0) return 0.0;
    if (x >= 1.0) return 1.0;
    return boost::math::ibeta(a, b, x);
  };
}

std::function<double(double)> beta_prime_cdf(double a, double b) {
  PFGM_CHECK(a > 0 && b > 0, "[beta_prime_cdf] parameters: got a=", a, " b=", b, ", expected a > 0 and b > 0");
  return [a, b](double x) {
    if (x <= 0.0) return 0.0;
    if (std::isinf(x)) return 1.0;
    // For x > 1 use I_{x/(1+x)}(a, b) = 1 - I_{1/(1+x)}(b, a), which keeps the small argument exact.
    if (x <= 1.0) return boost::math::ibeta(a, b, x / (1.0 + x));
    return boost::math::ibetac(b, a, 1.0 / (1.0 + x));
  };
}

std::function<double(double)> chi_cdf(double k) {
  PFGM_CHECK(k > 0, "[chi_cdf] degrees of freedom: got ", k, ", expected > 0");
  return [k](double x) {
    if (x <= 0.0) return 0.0;
    if (std::isinf(x)) return 1.0;
    return boost::math::gamma_p(k / 2.0, x * x / 2.0);
  };
}

}  // namespace pfgm::eval
