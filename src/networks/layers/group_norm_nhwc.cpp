#include "pfgm/networks/layers/group_norm_nhwc.h"

#include <cmath>
#include <vector>

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include "pfgm/core/error.h"

namespace pfgm::networks::layers {

namespace {

struct Shape {
  int64_t B, HW, C, G;
  int64_t group_size() const { return C / G; }
  double M() const { return static_cast<double>(HW) * group_size(); }  // elements in one (b, g)
};

// Per-channel value of a per-group quantity, so the inner loops run over c alone and vectorize.
void spread(const std::vector<double>& per_group, const Shape& s, std::vector<float>& per_channel) {
  for (int64_t c = 0; c < s.C; ++c) per_channel[c] = static_cast<float>(per_group[c / s.group_size()]);
}

std::vector<double> group_sums(const std::vector<float>& per_channel, const Shape& s) {
  std::vector<double> g(s.G, 0.0);
  for (int64_t c = 0; c < s.C; ++c) g[c / s.group_size()] += per_channel[c];
  return g;
}

// The loops run over c innermost and vectorize; each sample's kernel is compiled for AVX-512,
// AVX2 and the baseline, chosen at run time (LibTorch's own kernels are dispatched alike).
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define PFGM_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define PFGM_INLINE __attribute__((always_inline)) inline
#else
#define PFGM_CPU_CLONES
#define PFGM_INLINE inline
#endif

// Per-thread buffers, reused for every sample: per channel (forward: sums, μ, scale, shift;
// backward: Σdy, Σdy·x and the three coefficients of ∂x) and per group (backward: A, B).
struct Scratch {
  Scratch(int64_t C, int64_t G) : acc(C), mu(C), a(C), shift(C), c3(C), A(G), B(G) {}
  std::vector<float> acc, mu, a, shift, c3;
  std::vector<double> A, B;
};

// One sample b: statistics over its pixels and the group's channels, then y = a_c·x + shift_c.
template <typename T>
PFGM_INLINE void forward_sample(const T* xb, const float* gamma, const float* beta, const Shape& s, double eps, T* yb,
                                float* mean_b, float* rstd_b, Scratch& w) {
  float* acc = w.acc.data();
  std::fill(w.acc.begin(), w.acc.end(), 0.f);
  for (int64_t p = 0; p < s.HW; ++p)
    for (int64_t c = 0; c < s.C; ++c) acc[c] += static_cast<float>(xb[p * s.C + c]);
  auto mu_g = group_sums(w.acc, s);
  for (auto& m : mu_g) m /= s.M();  // μ_bg
  spread(mu_g, s, w.mu);
  const float* mu = w.mu.data();
  std::fill(w.acc.begin(), w.acc.end(), 0.f);
  for (int64_t p = 0; p < s.HW; ++p)
    for (int64_t c = 0; c < s.C; ++c) {
      const float d = static_cast<float>(xb[p * s.C + c]) - mu[c];
      acc[c] += d * d;
    }
  auto r_g = group_sums(w.acc, s);
  for (int64_t g = 0; g < s.G; ++g) {
    r_g[g] = 1.0 / std::sqrt(r_g[g] / s.M() + eps);  // 1/√(σ²_bg + eps)
    mean_b[g] = static_cast<float>(mu_g[g]);
    rstd_b[g] = static_cast<float>(r_g[g]);
  }
  for (int64_t c = 0; c < s.C; ++c) {
    const double r = r_g[c / s.group_size()];
    w.a[c] = static_cast<float>(r * gamma[c]);
    w.shift[c] = static_cast<float>(beta[c] - mu_g[c / s.group_size()] * r * gamma[c]);
  }
  const float *a = w.a.data(), *shift = w.shift.data();
  for (int64_t p = 0; p < s.HW; ++p)
    for (int64_t c = 0; c < s.C; ++c) yb[p * s.C + c] = static_cast<T>(static_cast<float>(xb[p * s.C + c]) * a[c] + shift[c]);
}

// With x̂ = (x − μ)·r and M elements per group:
//   ∂β_c = Σ dy,  ∂γ_c = Σ dy·x̂,
//   ∂x = r·γ_c·dy − r·A/M − (x − μ)·r²·B/M,  A = Σ_g γ·dy,  B = Σ_g γ·dy·x̂.
template <typename T>
PFGM_INLINE void backward_sample(const T* dy, const T* x, const float* gamma, const float* mean_b, const float* rstd_b,
                                 const Shape& s, T* dx, float* dgamma_b, float* dbeta_b, Scratch& w) {
  float *s1 = w.acc.data(), *s2 = w.mu.data();
  std::fill(w.acc.begin(), w.acc.end(), 0.f);
  std::fill(w.mu.begin(), w.mu.end(), 0.f);
  for (int64_t p = 0; p < s.HW; ++p)
    for (int64_t c = 0; c < s.C; ++c) {
      const float g = static_cast<float>(dy[p * s.C + c]);
      s1[c] += g;
      s2[c] += g * static_cast<float>(x[p * s.C + c]);
    }
  auto &A = w.A, &Bsum = w.B;  // Σ_g γ·dy and Σ_g γ·dy·x̂
  std::fill(A.begin(), A.end(), 0.0);
  std::fill(Bsum.begin(), Bsum.end(), 0.0);
  for (int64_t c = 0; c < s.C; ++c) {
    const int64_t g = c / s.group_size();
    const double dgamma = static_cast<double>(rstd_b[g]) * (s2[c] - static_cast<double>(mean_b[g]) * s1[c]);
    dbeta_b[c] = s1[c];
    dgamma_b[c] = static_cast<float>(dgamma);
    A[g] += gamma[c] * static_cast<double>(s1[c]);
    Bsum[g] += gamma[c] * dgamma;
  }
  float *c1 = w.a.data(), *c2 = w.shift.data(), *c3 = w.c3.data();
  for (int64_t c = 0; c < s.C; ++c) {
    const int64_t g = c / s.group_size();
    const double mu = mean_b[g], r = rstd_b[g], M = s.M();
    c1[c] = static_cast<float>(r * gamma[c]);
    c2[c] = static_cast<float>(-r * r * Bsum[g] / M);
    c3[c] = static_cast<float>(-r * A[g] / M + mu * r * r * Bsum[g] / M);
  }
  for (int64_t p = 0; p < s.HW; ++p)
    for (int64_t c = 0; c < s.C; ++c) {
      const int64_t i = p * s.C + c;
      dx[i] = static_cast<T>(c1[c] * static_cast<float>(dy[i]) + c2[c] * static_cast<float>(x[i]) + c3[c]);
    }
}

// Clones<T>::forward / ::backward: the kernels of one sample for activations of type T.
template <typename T> struct Clones;
#define PFGM_GROUP_NORM_CLONES(T, suffix)                                                                        \
  PFGM_CPU_CLONES void forward_sample_##suffix(const T* xb, const float* gamma, const float* beta, const Shape& s, \
                                               double eps, T* yb, float* mean_b, float* rstd_b, Scratch& w) {     \
    forward_sample<T>(xb, gamma, beta, s, eps, yb, mean_b, rstd_b, w);                                          \
  }                                                                                                              \
  PFGM_CPU_CLONES void backward_sample_##suffix(const T* dy, const T* x, const float* gamma, const float* mean_b, \
                                                const float* rstd_b, const Shape& s, T* dx, float* dgamma_b,     \
                                                float* dbeta_b, Scratch& w) {                                    \
    backward_sample<T>(dy, x, gamma, mean_b, rstd_b, s, dx, dgamma_b, dbeta_b, w);                              \
  }                                                                                                              \
  template <> struct Clones<T> {                                                                                 \
    static constexpr auto forward = forward_sample_##suffix;                                                     \
    static constexpr auto backward = backward_sample_##suffix;                                                   \
  };
PFGM_GROUP_NORM_CLONES(float, f32)
PFGM_GROUP_NORM_CLONES(double, f64)
PFGM_GROUP_NORM_CLONES(c10::BFloat16, bf16)
PFGM_GROUP_NORM_CLONES(c10::Half, f16)

template <typename T>
void forward_kernel(const T* x, const float* gamma, const float* beta, const Shape& s, double eps, T* y, float* mean,
                    float* rstd) {
  at::parallel_for(0, s.B, 1, [&](int64_t b0, int64_t b1) {
    Scratch w(s.C, s.G);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t off = b * s.HW * s.C;
      Clones<T>::forward(x + off, gamma, beta, s, eps, y + off, mean + b * s.G, rstd + b * s.G, w);
    }
  });
}

template <typename T>
void backward_kernel(const T* dy, const T* x, const float* gamma, const float* mean, const float* rstd, const Shape& s,
                     T* dx, float* dgamma_b, float* dbeta_b) {
  at::parallel_for(0, s.B, 1, [&](int64_t b0, int64_t b1) {
    Scratch w(s.C, s.G);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t off = b * s.HW * s.C;
      Clones<T>::backward(dy + off, x + off, gamma, mean + b * s.G, rstd + b * s.G, s, dx + off, dgamma_b + b * s.C,
                         dbeta_b + b * s.C, w);
    }
  });
}

Shape shape_of(const torch::Tensor& x, int64_t G) {
  return {x.size(0), x.size(2) * x.size(3), x.size(1), G};
}

class GroupNormNHWC : public torch::autograd::Function<GroupNormNHWC> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& gamma,
                               const torch::Tensor& beta, int64_t G, double eps) {
    const auto s = shape_of(x, G);
    const auto g32 = gamma.to(torch::kFloat32).contiguous(), b32 = beta.to(torch::kFloat32).contiguous();
    auto y = torch::empty_like(x, at::MemoryFormat::ChannelsLast);
    auto mean = torch::empty({s.B, G}, x.options().dtype(torch::kFloat32));
    auto rstd = torch::empty_like(mean);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "group_norm_nhwc", [&] {
      forward_kernel<scalar_t>(x.const_data_ptr<scalar_t>(), g32.const_data_ptr<float>(), b32.const_data_ptr<float>(),
                               s, eps, y.mutable_data_ptr<scalar_t>(), mean.mutable_data_ptr<float>(),
                               rstd.mutable_data_ptr<float>());
    });
    ctx->save_for_backward({x, gamma, mean, rstd});
    ctx->saved_data["G"] = G;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &gamma = saved[1], &mean = saved[2], &rstd = saved[3];
    const auto s = shape_of(x, ctx->saved_data["G"].toInt());
    const auto dy = grad[0].to(x.scalar_type()).contiguous(at::MemoryFormat::ChannelsLast);
    const auto g32 = gamma.to(torch::kFloat32).contiguous();
    auto dx = torch::empty_like(x, at::MemoryFormat::ChannelsLast);
    auto dgamma_b = torch::empty({s.B, s.C}, x.options().dtype(torch::kFloat32));
    auto dbeta_b = torch::empty_like(dgamma_b);
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "group_norm_nhwc_backward", [&] {
      backward_kernel<scalar_t>(dy.const_data_ptr<scalar_t>(), x.const_data_ptr<scalar_t>(),
                                g32.const_data_ptr<float>(), mean.const_data_ptr<float>(),
                                rstd.const_data_ptr<float>(), s, dx.mutable_data_ptr<scalar_t>(),
                                dgamma_b.mutable_data_ptr<float>(), dbeta_b.mutable_data_ptr<float>());
    });
    return {dx, dgamma_b.sum(0).to(gamma.scalar_type()), dbeta_b.sum(0).to(gamma.scalar_type()), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

bool is_nhwc(const torch::Tensor& x) {
  return x.dim() == 4 && x.device().is_cpu() && x.size(1) > 1 && x.size(2) * x.size(3) > 1 &&
         x.is_contiguous(at::MemoryFormat::ChannelsLast) && !x.is_contiguous();
}

torch::Tensor group_norm_nhwc(const torch::Tensor& x, int64_t num_groups, const torch::Tensor& gamma,
                              const torch::Tensor& beta, double eps) {
  PFGM_CHECK(is_nhwc(x), "[network] group_norm_nhwc: expected a channels-last 4-D CPU tensor");
  PFGM_CHECK(num_groups > 0 && x.size(1) % num_groups == 0, "[network] group_norm_nhwc: ", x.size(1),
             " channels cannot form ", num_groups, " groups");
  return GroupNormNHWC::apply(x, gamma, beta, num_groups, eps);
}

}  // namespace pfgm::networks::layers
