#pragma once
// Non-leaking augmentations with conditioning labels (Karras et al. 2022, EDM, Appendix F.2;
// the geometric pipeline of Karras et al. 2020, StyleGAN2-ADA): EDM training/augment.py AugmentPipe
// in the configuration train.py uses (spec 5.5). Colour and integer ops of augment.py are off there
// and are left out.
#include <torch/types.h>

namespace pfgm::training {

// The number of augment labels, the network's augment_dim (spec 3.3).
inline constexpr int64_t kAugmentDim = 9;

// AugmentPipe arguments. Each op applies per image with probability min(1, multiplier·p);
// multiplier 0 switches the op off (no draws, zero labels). Defaults: train.py's configuration.
struct AugmentOptions {
  double p = 0.12;                  // augment probability (--augment, default 0.12); 0 disables the pipe
  // Probability multipliers.
  double xflip = 1e8;               // x-flip: min(1, 1e8·p) = 1 for any p > 0, so half the images flip
  double yflip = 1;                 // y-flip: kept with probability p, then flips half of those
  double scale = 1;                 // isotropic scaling
  double rotate_frac = 1;           // arbitrary rotation
  double aniso = 1;                 // anisotropic scaling
  double translate_frac = 1;        // fractional translation
  // Ranges.
  double scale_std = 0.2;           // log2 standard deviation of isotropic scaling
  double rotate_frac_max = 1;       // rotation range, 1 = full circle: θ ~ U(−π·max, π·max)
  double aniso_std = 0.2;           // log2 standard deviation of anisotropic scaling
  double aniso_rotate_prob = 0.5;   // probability that the anisotropic axis is rotated
  double translate_frac_std = 0.125;// translation standard deviation relative to the image size
};

struct AugmentResult {
  torch::Tensor images;  // [B, C, H, W], dtype and device of the input
  torch::Tensor labels;  // [B, 9] float32: xflip, yflip, scale, cos θ − 1, sin θ, aniso w·cos r,
                         // aniso w·sin r, tx, ty (spec 5.5)
};

// ---- The pipe ---------------------------------------------------------------------------------

// Augments float images [B, C, H, W] (any device). Every random draw comes from `gen` (made on the
// generator's device, then moved), so a run is reproducible from the generator's state.
// p = 0 returns `images` itself and zero labels.
AugmentResult augment(const torch::Tensor& images, const AugmentOptions& options, at::Generator& gen);

// ---- Pieces, exposed for tests ----------------------------------------------------------------

// The random part of the pipe for a batch of B images of size H×W: the flips, the inverse geometric
// transform G_inv [B, 3, 3] (float64 on the CPU; pixel units, origin at the image centre, maps output
// to input coordinates) and the labels [B, 9] float32 on the CPU. `geometric` is false when every
// geometric multiplier is 0 (then G_inv is the identity and is not executed).
struct AugmentDraws {
  torch::Tensor xflip;  // [B] bool
  torch::Tensor yflip;  // [B] bool
  torch::Tensor G_inv;  // [B, 3, 3] float64
  torch::Tensor labels; // [B, 9] float32
  bool geometric = false;
};
AugmentDraws draw_augment(int64_t B, int64_t H, int64_t W, const AugmentOptions& options, at::Generator& gen);

// The geometric execution of augment.py: reflect-pad by the margin the transformed corners need,
// 2× upsample with the sym6 low-pass, bilinear grid_sample of output ← input under G_inv (zero
// padding, align_corners = false), 2× downsample with sym6, crop to H×W. G_inv [B, 3, 3] as above.
torch::Tensor apply_geometric(const torch::Tensor& images, const torch::Tensor& G_inv);

// 3×3 homogeneous 2-D transforms over a batch (float64 [B] → [B, 3, 3]), augment.py's matrix helpers.
torch::Tensor translate2d(const torch::Tensor& tx, const torch::Tensor& ty);
torch::Tensor scale2d(const torch::Tensor& sx, const torch::Tensor& sy);
torch::Tensor rotate2d(const torch::Tensor& theta);  // [[cos, −sin], [sin, cos]]

}  // namespace pfgm::training
