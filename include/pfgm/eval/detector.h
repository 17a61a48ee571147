#pragma once
// A feature detector for image-quality metrics: uint8 images in, a feature vector per image (for the
// Fréchet distance and KID) and, when the detector has a classifier head, class probabilities
// p(y|x) (for the Inception Score). Two kinds: EDM's Inception-v3 (or any network) as a TorchScript
// file, and pfgm's own small classifier saved as safetensors (`pfgm classifier train`).
#include <memory>
#include <string>

#include <c10/core/Device.h>
#include <torch/types.h>

namespace pfgm::eval {

struct Detections {
  torch::Tensor features;  // [B, F] float64 on the CPU
  torch::Tensor probs;     // [B, classes] float64 on the CPU, rows summing to 1; undefined without a head
};

class Detector {
 public:
  virtual ~Detector() = default;
  // images: uint8 [B, C, H, W] on the CPU (C = 1 or 3; any resolution the detector accepts).
  virtual Detections detect(const torch::Tensor& images) = 0;
  virtual int64_t feature_dim() const = 0;  // F, or 0 when known only after the first batch
  virtual std::string path() const = 0;      // the file it was loaded from, for messages
};

// A TorchScript detector (torch.jit.save'd module) called as fid.py calls EDM's Inception-v3:
// uint8 NCHW (grey repeated to RGB), forward(x, return_features=True) → [B, F]; class
// probabilities (class_probs) from forward(x, no_output_bias=True) when the module takes that
// argument. A module whose forward takes only the images may return features, or a tuple
// (features, logits) whose softmax gives the probabilities.
std::unique_ptr<Detector> make_torchscript_detector(const std::string& path, c10::Device device,
                                                    bool class_probs = false);
// A classifier written by `pfgm classifier train`.
std::unique_ptr<Detector> make_classifier_detector(const std::string& path, c10::Device device);

// By file name: *.safetensors → classifier; anything else → TorchScript.
std::unique_ptr<Detector> load_detector(const std::string& path, c10::Device device, bool class_probs = false);
// True for the detectors whose distance is the FID (Inception); false for pfgm's classifier ("FD").
bool is_classifier_file(const std::string& path);

}  // namespace pfgm::eval
