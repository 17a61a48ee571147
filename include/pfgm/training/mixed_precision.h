#pragma once
// Mixed precision and memory layout for training: autocast of the forward pass to bfloat16 or
// float16 (backward and the optimizer stay in float32, as torch.autocast is meant to be used), and
// channels-last (NHWC) weights and images for convolution kernels that prefer them.
#include <string>

#include <c10/core/DeviceType.h>
#include <torch/types.h>

namespace torch::nn {
class Module;
}

namespace pfgm::training {

enum class Precision { FP32, BF16, FP16 };

// "fp32" | "bf16" | "fp16" | "auto"; pfgm::Error naming `flag` otherwise. "auto" is bf16 where it
// pays: on CUDA, and on CPUs with AMX-BF16 tiles (elsewhere bf16 convolutions are no faster than
// float32 channels-last ones), float32 otherwise.
Precision parse_precision(const std::string& name, const char* flag, c10::DeviceType device = c10::DeviceType::CPU);
std::string to_string(Precision precision);

// While alive, ops on `device` run under autocast to `precision` (FP32: no effect). float16
// autocast needs CUDA; bfloat16 works on the CPU too.
class AutocastGuard {
 public:
  AutocastGuard(c10::DeviceType device, Precision precision);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  c10::DeviceType device_;
  bool active_ = false, was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kFloat;
};

}  // namespace pfgm::training
