#pragma once
// One-sample Kolmogorov-Smirnov test and the reference CDFs (Beta, Beta-prime, chi) it is run
// against; the CDFs use Boost.Math's regularized incomplete beta / gamma so large parameters work.
#include <functional>
#include <vector>

namespace pfgm::eval {

struct KSResult {
  double statistic = 0.0;  // D_n = sup_x |F_n(x) - F(x)|
  double p_value = 1.0;    // P(D_n >= statistic) under the null hypothesis
};

// Q_KS(lambda) = 2 sum_{k>=1} (-1)^{k-1} exp(-2 k^2 lambda^2): the Kolmogorov survival function.
double kolmogorov_survival(double lambda);

// Tests `samples` (n >= 1, finite) against the continuous `cdf`. The p-value is
// Q_KS((sqrt(n) + 0.12 + 0.11 / sqrt(n)) * D_n) (Stephens' correction, Numerical Recipes ksone).
KSResult ks_test(std::vector<double> samples, const std::function<double(double)>& cdf);

// CDF of Beta(a, b) on [0, 1].
std::function<double(double)> beta_cdf(double a, double b);
// CDF of the Beta-prime(a, b) law on [0, inf): X ~ Beta'(a, b) iff X / (1 + X) ~ Beta(a, b).
std::function<double(double)> beta_prime_cdf(double a, double b);
// CDF of the chi law with k degrees of freedom (the norm of a k-dim standard normal):
// F(x) = P(k/2, x^2/2).
std::function<double(double)> chi_cdf(double k);

}  // namespace pfgm::eval
