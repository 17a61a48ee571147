#include "pfgm/eval/likelihood.h"

#include <cmath>

#include <torch/nn/module.h>
#include <torch/autograd.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/networks/model.h"
#include "pfgm/physics/prior_density.h"
#include "pfgm/samplers/rk45.h"

namespace pfgm::eval {

Probe parse_probe(const std::string& name) {
  if (name == "rademacher") return Probe::Rademacher;
  if (name == "gaussian") return Probe::Gaussian;
  throw Error("[probe] got '" + name + "', expected rademacher or gaussian");
}

std::string to_string(Probe p) { return p == Probe::Rademacher ? "rademacher" : "gaussian"; }

namespace {

enum : uint64_t { kProbeStream = 1, kDequantStream = 2 };

uint64_t splitmix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The generator of one sample index for one purpose (probes or dequantisation noise).
at::Generator sample_stream(uint64_t seed, int64_t index, uint64_t purpose) {
  return core::make_generator(splitmix64(splitmix64(seed) ^ splitmix64(static_cast<uint64_t>(index) * 4 + purpose)));
}

std::vector<int64_t> with_batch(int64_t B, at::IntArrayRef sample_shape) {
  std::vector<int64_t> shape{B};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  return shape;
}

// dx/dt at per-sample t [B] for x [B, ...] float64, differentiable in x.
using Drift = std::function<torch::Tensor(const torch::Tensor& t, const torch::Tensor& x)>;

// RK45 on y = [x, Δlog p] from t0 to t1 with dΔ/dt = div_x f (exact, or εᵀ∂(f·ε)/∂x).
LikelihoodResult integrate(const Drift& drift, const torch::Tensor& x0, double t0, double t1, const LogDensity& terminal,
                           const LikelihoodOptions& o, int64_t first_index) {
  PFGM_CHECK(x0.dim() >= 2 && x0.size(0) > 0, "[likelihood] x must be [B, ...] with B > 0, got ", x0.sizes());
  PFGM_CHECK(terminal, "[likelihood] no terminal log-density given");
  const int64_t B = x0.size(0);
  const auto shape = x0.sizes().vec();
  const auto x_flat = x0.to(torch::kFloat64).reshape({B, -1});
  const int64_t N = x_flat.size(1);
  const auto eps = o.exact_trace ? torch::Tensor()
                                 : draw_probes(o.probe, B, {N}, o.seed, first_index).to(x_flat.device());

  samplers::OdeRhs rhs = [&](const torch::Tensor& t, const torch::Tensor& y) {
    at::AutoGradMode grad_mode(true);
    const auto x = y.narrow(1, 0, N).detach().requires_grad_(true);
    const auto f = drift(t, x.reshape(shape)).reshape({B, N});
    PFGM_CHECK(f.requires_grad(), "[likelihood] the drift is not differentiable in x (a no-grad callback?)");
    auto grad_of = [&](const torch::Tensor& out, bool retain) {
      const auto g = torch::autograd::grad({out}, {x}, {}, retain, false, true)[0];
      return g.defined() ? g : torch::zeros_like(x);
    };
    torch::Tensor div;
    if (o.exact_trace) {
      div = torch::zeros({B}, x.options());
      for (int64_t i = 0; i < N; ++i) div = div + grad_of(f.select(1, i).sum(), i + 1 < N).select(1, i);
    } else {
      div = (grad_of((f * eps).sum(), false) * eps).sum(1);  // εᵀ ∂(f·ε)/∂x
    }
    return torch::cat({f.detach(), div.detach().unsqueeze(1)}, 1);
  };
  const auto y0 = torch::cat({x_flat, torch::zeros({B, 1}, x_flat.options())}, 1);
  const auto r = samplers::solve_rk45(rhs, y0, t0, t1, {o.rtol, o.atol, o.max_steps});

  LikelihoodResult res;
  const auto latent = r.y.narrow(1, 0, N).reshape(shape);
  res.prior_log_p = terminal(latent).to(torch::kCPU, torch::kFloat64).reshape({B});
  res.delta_log_p = r.y.select(1, N).to(torch::kCPU);
  res.log_p = res.prior_log_p + res.delta_log_p;
  res.latent = latent.cpu();
  res.nfe = r.nfe;
  res.nfe_per_sample = r.nfe_per_sample;
  return res;
}

torch::Device device_of(const torch::nn::Module& m) {
  const auto params = m.parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

}  // namespace

torch::Tensor draw_probes(Probe probe, int64_t B, at::IntArrayRef sample_shape, uint64_t seed, int64_t first_index) {
  std::vector<torch::Tensor> rows;
  rows.reserve(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    auto gen = sample_stream(seed, first_index + b, kProbeStream);
    rows.push_back(probe == Probe::Gaussian
                       ? at::randn(sample_shape, gen, torch::kFloat64)
                       : at::randint(0, 2, sample_shape, gen, torch::kFloat64) * 2 - 1);
  }
  return torch::stack(rows).reshape(with_batch(B, sample_shape));
}

LikelihoodResult sigma_ode_likelihood(const samplers::Denoiser& denoiser, const torch::Tensor& x, double sigma_min,
                                      double sigma_max, const LogDensity& terminal, const LikelihoodOptions& o,
                                      int64_t first_index) {
  PFGM_CHECK(sigma_min > 0 && sigma_max > sigma_min, "[likelihood] expected 0 < sigma_min < sigma_max, got ", sigma_min,
             ", ", sigma_max);
  // In t = ln σ: dx/dt = σ·dx/dσ = x − D(x; σ), and ∫ div(dx/dσ) dσ = ∫ div(dx/dt) dt.
  Drift drift = [&](const torch::Tensor& t, const torch::Tensor& xt) {
    const auto D_x = denoiser(xt, torch::exp(t));  // σ = e^t
    PFGM_CHECK(D_x.requires_grad(), "[likelihood] the denoiser is not differentiable in x (a no-grad callback?)");
    return xt - D_x.to(torch::kFloat64);
  };
  return integrate(drift, x, std::log(sigma_min), std::log(sigma_max), terminal, o, first_index);
}

LikelihoodResult pfgm_ode_likelihood(const samplers::FieldFn& field, const torch::Tensor& x,
                                     const samplers::PFGMODEOptions& ode, const LogDensity& terminal,
                                     const LikelihoodOptions& o, int64_t first_index) {
  PFGM_CHECK(ode.z_min > 0 && ode.z_max > ode.z_min, "[likelihood] expected 0 < z_min < z_max, got ", ode.z_min, ", ",
             ode.z_max);
  PFGM_CHECK(x.dim() == 2, "[likelihood] PFGM data must be [B, N], got ", x.sizes());
  // In t' = ln z: dx/dt' = z·v_x/v_z (v_z < 0 points toward the data hyperplane).
  Drift drift = [&](const torch::Tensor& t, const torch::Tensor& xt) {
    const int64_t N = xt.size(1);
    const auto z = torch::exp(t);
    const auto v = field(xt, z).to(torch::kFloat64);
    PFGM_CHECK(v.requires_grad(), "[likelihood] the field is not differentiable in x (a no-grad callback?)");
    const auto v_x = v.narrow(1, 0, N);
    const auto v_z = samplers::substitute_v_z(v_x, v.select(1, N), z, ode);
    PFGM_CHECK((v_z < 0).all().item<bool>(), "[likelihood] the field's v_z must be < 0 (toward the data), got ",
               v_z.max().item<double>(), " at z = ", z.min().item<double>(), "; an untrained PFGM network?");
    return (z / v_z).unsqueeze(1) * v_x;
  };
  return integrate(drift, x, std::log(ode.z_min), std::log(ode.z_max), terminal, o, first_index);
}

LikelihoodResult log_likelihood(networks::Model& model, const torch::Tensor& x, const LikelihoodOptions& o,
                                const torch::Tensor& class_labels, int64_t first_index) {
  const auto& c = model.config();
  PFGM_CHECK(x.dim() >= 2 && x[0].numel() == c.N, "[likelihood] data of ", x.dim() >= 2 ? x[0].numel() : x.numel(),
             " values per sample for a model of N = ", c.N);
  model.eval();
  const auto device = device_of(model);
  const auto x_dev = x.to(device, torch::kFloat64);
  if (c.precond == networks::Precond::PFGM) {
    auto ode = samplers::pfgm_ode_options(c);
    if (o.z_max > 0) ode.z_max = o.z_max;
    if (o.z_min > 0) ode.z_min = o.z_min;
    if (o.z_exp >= 0) ode.z_exp = o.z_exp;
    const LogDensity prior = o.terminal_log_density ? o.terminal_log_density
                                                    : [z_max = ode.z_max, q = c.radius_quantile](const torch::Tensor& xT) {
                                                        return physics::pfgm_prior_log_density(xT, z_max, q);
                                                      };
    samplers::FieldFn field = [&model](const torch::Tensor& xt, const torch::Tensor& z) {
      return model.field(xt.to(torch::kFloat32), z).to(torch::kFloat64);
    };
    auto res = pfgm_ode_likelihood(field, x_dev.reshape({x.size(0), c.N}), ode, prior, o, first_index);
    res.latent = res.latent.reshape(x.sizes());
    return res;
  }
  const double sigma_min = o.sigma_min > 0 ? o.sigma_min : c.sigma_min;
  const double sigma_max = o.sigma_max > 0 ? o.sigma_max : c.sigma_max;
  const LogDensity prior = o.terminal_log_density ? o.terminal_log_density
                                                  : [sigma_max, D = c.D, q = c.radius_quantile](const torch::Tensor& xT) {
                                                      return physics::pfgmpp_prior_log_density(xT, sigma_max, D, q);
                                                    };
  const auto labels = class_labels.defined() ? class_labels.to(device) : class_labels;
  samplers::Denoiser denoiser = [&model, labels](const torch::Tensor& xt, const torch::Tensor& sigma) {
    return model.denoise(xt.to(torch::kFloat32), sigma, labels).to(torch::kFloat64);
  };
  return sigma_ode_likelihood(denoiser, x_dev, sigma_min, sigma_max, prior, o, first_index);
}

torch::Tensor dequantize(const torch::Tensor& images, uint64_t seed, int64_t first_index) {
  PFGM_CHECK(images.scalar_type() == torch::kUInt8, "[likelihood] images must be uint8, got ", images.scalar_type());
  PFGM_CHECK(images.dim() >= 1, "[likelihood] images must be [B, ...]");
  const int64_t B = images.size(0);
  const auto sample_shape = images.sizes().slice(1);
  std::vector<torch::Tensor> U;
  U.reserve(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    auto gen = sample_stream(seed, first_index + b, kDequantStream);
    U.push_back(at::rand(sample_shape, gen, torch::kFloat64));
  }
  const auto u = B ? torch::stack(U) : torch::zeros(images.sizes(), torch::kFloat64);
  const auto x = (u + images.cpu().to(torch::kFloat64)) / 256;  // in [0, 1]
  return 2 * x - 1;
}

torch::Tensor bits_per_dim(const torch::Tensor& log_p, int64_t N) {
  // p in [0, 1]^N is 2^N p in [−1, 1]^N; the 256 levels give −log₂P ≤ −log₂ p_[0,1] + 8N.
  return -log_p.to(torch::kFloat64) / (static_cast<double>(N) * std::log(2.0)) + 7;
}

BitsPerDim image_bits_per_dim(networks::Model& model, const torch::Tensor& images, const LikelihoodOptions& o,
                              int64_t batch, const torch::Tensor& labels,
                              const std::function<void(int64_t, int64_t)>& progress) {
  PFGM_CHECK(batch > 0, "[batch] got ", batch, ", expected > 0");
  PFGM_CHECK(images.dim() == 4 && images.size(0) > 0, "[likelihood] images must be uint8 [n, C, H, W], got ",
             images.sizes());
  const int64_t n = images.size(0), N = images[0].numel();
  const int64_t label_dim = model.config().label_dim();
  PFGM_CHECK(!label_dim || labels.defined(), "[likelihood] the model is class-conditional (", label_dim,
             " classes): the images need labels");
  PFGM_CHECK(!labels.defined() || labels.numel() == n, "[likelihood] ", labels.numel(), " labels for ", n, " images");
  BitsPerDim out;
  std::vector<torch::Tensor> parts;
  int64_t batches = 0;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t B = std::min(batch, n - start);
    const auto x = dequantize(images.narrow(0, start, B), o.seed, start);
    torch::Tensor one_hot;
    if (label_dim) {
      const auto k = labels.reshape({-1}).narrow(0, start, B).to(torch::kInt64);
      PFGM_CHECK(k.min().item<int64_t>() >= 0 && k.max().item<int64_t>() < label_dim, "[likelihood] labels must be in [0, ",
                 label_dim, ")");
      one_hot = torch::one_hot(k, label_dim).to(torch::kFloat32);
    }
    const auto r = log_likelihood(model, x, o, one_hot, start);
    parts.push_back(bits_per_dim(r.log_p, N));
    out.mean_nfe += static_cast<double>(r.nfe);
    ++batches;
    if (progress) progress(start + B, n);
  }
  out.bpd = torch::cat(parts);
  out.mean = out.bpd.mean().item<double>();
  out.standard_error = n > 1 ? out.bpd.std().item<double>() / std::sqrt(static_cast<double>(n)) : 0.0;
  out.mean_nfe /= static_cast<double>(batches);
  return out;
}

}  // namespace pfgm::eval
