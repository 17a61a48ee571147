#pragma once
// PFGM (Xu et al. 2022), Eq. (3) and Sec. 3.2: the electric field of charges y_j on the z = 0
// hyperplane of R^(N+1), E(x̃) = (1/S_N(1)) Σ_j (x̃ − ỹ_j)/‖x̃ − ỹ_j‖^(N+1), and the normalised
// empirical field the network learns, target = √N·Ê/(‖Ê‖ + γ) (spec 7.2), in float64.
#include <torch/types.h>

namespace pfgm::physics {

// Ê(x̃) = Σ_j c_j·(ỹ_j − x̃) with c_j = w_j/(Σ_k w_k + 1e−7), w_j = (min_k d_k/(d_j + 1e−7))^(N+D):
// the field direction pointing toward the charges, weighted by distance ratios (the official
// min-ratio form). x [B, N], z [B] (the norm r of the D augmented coordinates; PFGM: D = 1),
// charges [L, N]; returns [B, N+1] float64 (last column: the r component).
torch::Tensor empirical_field(const torch::Tensor& x, const torch::Tensor& z, const torch::Tensor& charges,
                             double D = 1);

// The training target √N·Ê/(‖Ê‖ + γ) of [B, N+1] fields (√N, not √(N+1), as the reference).
torch::Tensor normalize_field(const torch::Tensor& E, int64_t N, double gamma);

// The analytic field of unit charges, (1/(L·S_N(1))) Σ_j (x̃ − ỹ_j)/‖x̃ − ỹ_j‖^(N+1), where
// S_N(1) = 2π^((N+1)/2)/Γ((N+1)/2) is the area of the unit N-sphere in R^(N+1). [B, N+1] float64;
// computed in log space: with `log_scale` given, the result is the field divided by
// exp(*log_scale), which keeps it finite where the magnitude under- or overflows.
torch::Tensor coulomb_field(const torch::Tensor& x, const torch::Tensor& z, const torch::Tensor& charges,
                            double* log_scale = nullptr);

}  // namespace pfgm::physics
