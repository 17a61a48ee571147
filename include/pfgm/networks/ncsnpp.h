#pragma once
// The network of the original PFGM (Xu et al. 2022, App. D): Song et al. 2021's NCSN++ class from
// score_sde, conditioned on the augmented coordinate z, with C + 1 output channels — the first C
// are the field's x components, the last one, averaged over the image, its z component. Its
// "ddpmpp" configuration (positional embedding of z, plain 2× resampling) and "ncsnpp" one
// (Fourier features of ln z, FIR [1,3,3,1] resampling, residual input pyramid) share the class.
// state_dict: module.sigmas, module.all_modules.<i>.{GroupNorm_0, Conv_0, Dense_0, GroupNorm_1,
// Conv_1, Conv_2, NIN_0..3, Conv2d_0, W, weight, bias}, in score_sde's module order.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "pfgm/networks/network.h"

namespace pfgm::networks {

struct NCSNppOptions {
  int64_t img_resolution = 32, img_channels = 3;
  int64_t nf = 128;
  std::vector<int64_t> ch_mult{1, 2, 2, 2};
  int64_t num_res_blocks = 4;
  std::vector<int64_t> attn_resolutions{16};
  double dropout = 0.1;
  std::string embedding_type = "positional";  // positional (of z) | fourier (of ln z)
  double fourier_scale = 16;
  bool fir = false;
  std::vector<double> fir_kernel{1, 3, 3, 1};
  bool skip_rescale = true;
  std::string progressive_input = "none";  // none | residual
  double init_scale = 0;
  int64_t num_scales = 1000;               // length of the (unused) `sigmas` buffer
  double sigma_min = 0.01, sigma_max = 50; // its values
  bool centered = true;                    // data.centered: false maps inputs from [0, 1] by 2x − 1
};

NCSNppOptions ncsnpp_options_from_json(const nlohmann::json& config);

class NCSNpp : public Network {
 public:
  explicit NCSNpp(const NCSNppOptions& options);
  // x [B, C, H, W] or [B, C·H·W]; c_noise = z [B] or [1] (the raw augmented coordinate).
  // Returns the field [B, C·H·W + 1]: v_x flattened, then v_z.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& z, const torch::Tensor& class_labels = {},
                        const torch::Tensor& augment_labels = {}) override;

  // Per all_modules index, the resolution of the module's output (0 for the noise embedding).
  const std::vector<int64_t>& module_resolutions() const;

  const NCSNppOptions options;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace pfgm::networks
