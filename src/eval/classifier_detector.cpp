// The detector of pfgm's own classifier (networks/classifier.h): penultimate features for the
// Fréchet distance ("FD"), softmax probabilities for the Inception-Score analogue.
#include <sstream>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/eval/detector.h"
#include "pfgm/networks/classifier.h"

namespace pfgm::eval {

namespace {

class ClassifierDetector : public Detector {
 public:
  ClassifierDetector(const std::string& path, c10::Device device)
      : path_(path), net_(networks::load_classifier(path)) {
    net_->to(device);
    net_->eval();
  }

  Detections detect(const torch::Tensor& images) override {
    const auto& c = net_->config();
    const int64_t r = c.resolution;
    if (!(images.defined() && images.dim() == 4 && images.scalar_type() == torch::kUInt8 &&
          images.size(1) == c.channels && images.size(2) == r && images.size(3) == r)) {
      std::ostringstream got;
      if (images.defined()) got << images.sizes() << " " << images.scalar_type();
      else got << "none";
      throw Error(detail::concat("[detector] ", path_, ": images ", got.str(), " do not fit the classifier, expected [B, ",
                                 c.channels, ", ", r, ", ", r, "] Byte"));
    }
    at::NoGradGuard no_grad;
    const auto f = net_->features(images);
    const auto logits = net_->head(f);
    Detections d;
    d.features = f.to(torch::kCPU, torch::kFloat64);
    d.probs = torch::softmax(logits.to(torch::kCPU, torch::kFloat64), 1);
    return d;
  }

  int64_t feature_dim() const override { return net_->config().features; }
  std::string path() const override { return path_; }

 private:
  std::string path_;
  networks::Classifier net_;
};

}  // namespace

std::unique_ptr<Detector> make_classifier_detector(const std::string& path, c10::Device device) {
  return std::make_unique<ClassifierDetector>(path, device);
}

}  // namespace pfgm::eval
