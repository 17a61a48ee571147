// TorchScript feature detectors: EDM's Inception-v3 (inception-2015-12-05, saved with
// torch.jit.save) or any module with its calling convention (spec 6.3).
#include <torch/script.h>
#include <torch/script.h>

#include "pfgm/core/error.h"
#include "pfgm/eval/detector.h"

namespace pfgm::eval {

namespace {

class TorchScriptDetector : public Detector {
 public:
  TorchScriptDetector(const std::string& path, c10::Device device, bool class_probs)
      : path_(path), device_(device), class_probs_(class_probs) {
    try {
      module_ = torch::jit::load(path, device);
    } catch (const c10::Error& e) {
      throw Error("[detector] " + path + ": not a TorchScript file (" + first_line(e.what_without_backtrace()) +
                  "); expected a torch.jit.save'd module, see the README on converting EDM's detector");
    }
    module_.eval();
    PFGM_CHECK(module_.find_method("forward").has_value(), "[detector] ", path, ": the module has no forward method");
    for (const auto& arg : module_.get_method("forward").function().getSchema().arguments()) {
      if (arg.name() == "return_features") takes_return_features_ = true;
      if (arg.name() == "no_output_bias") takes_no_output_bias_ = true;
    }
  }

  Detections detect(const torch::Tensor& images) override {
    PFGM_CHECK(images.dim() == 4 && images.scalar_type() == torch::kUInt8, "[detector] ", path_,
               ": expected uint8 images [B, C, H, W], got ", images.scalar_type(), " ", images.sizes());
    auto x = images.size(1) == 1 ? images.repeat({1, 3, 1, 1}) : images;  // fid.py: grey → RGB
    PFGM_CHECK(x.size(1) == 3, "[detector] ", path_, ": images have ", images.size(1), " channels, expected 1 or 3");
    x = x.to(device_);
    at::NoGradGuard no_grad;
    Detections d;
    if (takes_return_features_) {
      d.features = matrix(call(x, {{"return_features", true}}), "features", x.size(0));
      if (class_probs_ && takes_no_output_bias_)
        d.probs = probabilities(matrix(call(x, {{"no_output_bias", true}}), "class probabilities", x.size(0)));
    } else {
      const auto out = call(x, {});
      if (out.isTuple()) {
        const auto& parts = out.toTupleRef().elements();
        PFGM_CHECK(parts.size() >= 1 && parts[0].isTensor(), "[detector] ", path_,
                   ": forward returned a tuple without a features tensor first");
        d.features = matrix(parts[0], "features", x.size(0));
        if (class_probs_ && parts.size() >= 2)
          d.probs = torch::softmax(matrix(parts[1], "logits", x.size(0)), 1);
      } else {
        d.features = matrix(out, "features", x.size(0));
      }
    }
    if (feature_dim_ == 0) feature_dim_ = d.features.size(1);
    PFGM_CHECK(d.features.size(1) == feature_dim_, "[detector] ", path_, ": features of width ", d.features.size(1),
               " after ", feature_dim_, " in earlier batches");
    return d;
  }

  int64_t feature_dim() const override { return feature_dim_; }
  std::string path() const override { return path_; }

 private:
  static std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

  c10::IValue call(const torch::Tensor& x, const torch::jit::Kwargs& kwargs) {
    try {
      return module_.get_method("forward")({x}, kwargs);
    } catch (const c10::Error& e) {
      throw Error("[detector] " + path_ + ": forward failed on images " + detail::concat(x.sizes()) + ": " +
                  first_line(e.what_without_backtrace()));
    }
  }

  // A float64 CPU [B, K] matrix from an output, or a one-line error naming the file.
  torch::Tensor matrix(const c10::IValue& v, const char* what, int64_t batch) const {
    PFGM_CHECK(v.isTensor(), "[detector] ", path_, ": forward returned ", v.tagKind(), " for the ", what,
               ", expected a tensor");
    const auto t = v.toTensor();
    PFGM_CHECK(t.dim() == 2 && t.size(0) == batch && t.size(1) > 0, "[detector] ", path_, ": ", what, " of shape ",
               t.sizes(), " for ", batch, " images, expected [", batch, ", width]");
    return t.to(torch::kCPU, torch::kFloat64);
  }

  // Probabilities as returned (rows summing to 1), or the softmax of what are then logits.
  static torch::Tensor probabilities(const torch::Tensor& p) {
    const bool normalised = (p >= 0).all().item<bool>() && (p.sum(1) - 1).abs().max().item<double>() < 1e-4;
    return normalised ? p / p.sum(1, true) : torch::softmax(p, 1);
  }

  std::string path_;
  c10::Device device_;
  bool class_probs_;
  torch::jit::Module module_;
  bool takes_return_features_ = false, takes_no_output_bias_ = false;
  int64_t feature_dim_ = 0;
};

}  // namespace

std::unique_ptr<Detector> make_torchscript_detector(const std::string& path, c10::Device device, bool class_probs) {
  return std::make_unique<TorchScriptDetector>(path, device, class_probs);
}

}  // namespace pfgm::eval
