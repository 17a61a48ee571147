#include "toy_plots.h"

#include <algorithm>
#include <cmath>

#include <torch/types.h>

#include "pfgm/physics/empirical_field.h"
#include "pfgm/plot/figure.h"

namespace pfgm::cli {

namespace {
std::vector<double> column(const torch::Tensor& t, int64_t c) {
  auto v = t.select(1, std::min<int64_t>(c, t.size(1) - 1)).to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(v.data_ptr<double>(), v.data_ptr<double>() + v.numel());
}

// Axis limits: the data's 0.5–99.5% range, widened by `pad`.
std::vector<double> data_limits(const torch::Tensor& data, double pad) {
  std::vector<double> lim;
  for (int64_t c = 0; c < 2; ++c) {
    const auto col = data.select(1, std::min<int64_t>(c, data.size(1) - 1)).to(torch::kFloat64);
    const double lo = torch::quantile(col, 0.005).item<double>(), hi = torch::quantile(col, 0.995).item<double>();
    const double w = std::max(hi - lo, 1e-6);
    lim.push_back(lo - pad * w);
    lim.push_back(hi + pad * w);
  }
  return lim;
}

const plot::Color kData{0.6, 0.6, 0.6, 0.6}, kSample{0.12, 0.35, 0.8, 0.7}, kLine{0.85, 0.3, 0.1, 0.5};
}  // namespace

void plot_samples(const torch::Tensor& data, const torch::Tensor& samples, const std::string& title,
                  const std::string& path) {
  plot::Figure fig(800, 800);
  const auto lim = data_limits(data, 0.15);
  fig.set_limits(lim[0], lim[1], lim[2], lim[3]);
  fig.set_title(title);
  fig.set_labels("x1", data.size(1) > 1 ? "x2" : "x1");
  fig.scatter(column(data, 0), column(data, 1), kData, 1.2, "data");
  fig.scatter(column(samples, 0), column(samples, 1), kSample, 1.2, "generated");
  fig.save_png(path);
}

void plot_trajectories(const torch::Tensor& data, const samplers::Trajectory& trajectory, const std::string& path) {
  plot::Figure fig(800, 800);
  const auto lim = data_limits(data, 0.6);
  fig.set_limits(lim[0], lim[1], lim[2], lim[3]);
  fig.set_title("Trajectories from the prior to the data");
  fig.set_labels("x1", "x2");
  fig.scatter(column(data, 0), column(data, 1), kData, 1.0, "data");
  const int64_t B = trajectory.x.front().size(0);
  for (int64_t b = 0; b < std::min<int64_t>(B, 200); ++b) {
    std::vector<double> xs, ys;
    for (const auto& x : trajectory.x) {
      xs.push_back(x[b][0].item<double>());
      ys.push_back(x[b][std::min<int64_t>(1, x.size(1) - 1)].item<double>());
    }
    fig.line(xs, ys, kLine, 0.8, b == 0 ? "paths" : "");
    fig.scatter({xs.back()}, {ys.back()}, kSample, 1.6, b == 0 ? "end points" : "");
  }
  fig.save_png(path);
}

void plot_loss(const std::vector<std::pair<int64_t, double>>& history, const std::string& path) {
  plot::Figure fig(900, 500);
  std::vector<double> s, l;
  for (const auto& [step, loss] : history) s.push_back(double(step)), l.push_back(loss);
  fig.set_log_y(true);
  fig.set_title("Training loss");
  fig.set_labels("step", "loss");
  fig.line(s, l, {0.12, 0.35, 0.8, 1.0}, 1.5, "mean loss per sample");
  fig.save_png(path);
}

void plot_field_lines(const torch::Tensor& charges, networks::Model& model, const samplers::Trajectory& trajectory,
                      const std::string& path) {
  const auto& c = model.config();
  const bool pfgm = c.precond == networks::Precond::PFGM;
  const double D = pfgm ? 1.0 : (std::isinf(c.D) ? 1e6 : c.D);
  const double r_scale = pfgm || std::isinf(c.D) ? 1.0 : std::sqrt(c.D);  // r = σ√D
  const int64_t N = charges.size(1);
  const auto Y = charges.to(torch::kFloat64);
  const double extent = Y.abs().max().item<double>();
  // Empirical field lines: start on a half-circle of radius R0 in the (x₁, r) plane, follow the field
  // toward the charges with Euler steps in ln r.
  const double R0 = 3 * extent;
  const int lines = 33, steps = 300;
  std::vector<double> angle(lines);
  auto x = torch::zeros({lines, N}, torch::kFloat64);
  auto r = torch::zeros({lines}, torch::kFloat64);
  for (int i = 0; i < lines; ++i) {
    const double a = M_PI * (i + 0.5) / lines;
    x[i][0] = R0 * std::cos(a);
    r[i] = R0 * std::sin(a);
  }
  std::vector<std::vector<double>> px(lines), pr(lines);
  const double r_end = 1e-3 * extent;
  for (int k = 0; k <= steps; ++k) {
    for (int i = 0; i < lines; ++i) px[i].push_back(x[i][0].item<double>()), pr[i].push_back(r[i].item<double>());
    if (k == steps) break;
    const auto E = physics::empirical_field(x, r, Y, D);
    const auto E_x = E.narrow(1, 0, N), E_r = E.select(1, N);
    // Step so that r shrinks by a fixed factor: dr = r·(q − 1), dx = (E_x/E_r)·dr.
    const double q = std::pow(r_end / R0, 1.0 / steps);
    const auto dr = r * (q - 1);
    x = x + E_x / E_r.unsqueeze(1) * dr.unsqueeze(1);
    r = r + dr;
  }
  plot::Figure left(700, 520), right(700, 520);
  left.set_title(pfgm ? "Empirical field lines (D = 1)" : "Empirical field lines (D = " + std::to_string(int(D)) + ")");
  right.set_title("Learned ODE paths");
  left.set_labels("x1", "r");
  left.set_limits(-R0 * 1.05, R0 * 1.05, 0, R0 * 1.05);
  right.set_labels("x1", pfgm ? "z (log scale)" : std::isinf(c.D) ? "sigma (log scale)" : "r = sigma*sqrt(D) (log scale)");
  right.set_log_y(true);
  left.scatter(column(Y, 0), std::vector<double>(Y.size(0), 0.0), {0.1, 0.1, 0.1, 0.8}, 1.5, "charges");
  for (int i = 0; i < lines; ++i) left.line(px[i], pr[i], kLine, 1.0, i == 0 ? "field lines" : "");
  right.scatter(column(Y, 0), std::vector<double>(Y.size(0), 0.0), {0.1, 0.1, 0.1, 0.8}, 1.5, "data");
  const int64_t B = trajectory.x.empty() ? 0 : trajectory.x.front().size(0);
  for (int64_t b = 0; b < std::min<int64_t>(B, 64); ++b) {
    std::vector<double> xs, rs;
    for (size_t k = 0; k < trajectory.x.size(); ++k) {
      if (trajectory.t[k] <= 0) continue;  // the final step lands on σ = 0
      xs.push_back(trajectory.x[k][b][0].item<double>());
      rs.push_back(trajectory.t[k] * r_scale);
    }
    right.line(xs, rs, kSample, 1.0, b == 0 ? "paths" : "");
  }
  plot::save_panels_png({&left, &right}, 2, path);
}

}  // namespace pfgm::cli
