#include "pfgm/training/mixed_precision.h"

#include <ATen/autocast_mode.h>
#include <torch/nn/module.h>

#include "pfgm/core/device.h"
#include "pfgm/core/error.h"

namespace pfgm::training {

Precision parse_precision(const std::string& name, const char* flag, c10::DeviceType device) {
  if (name == "auto")
    return device == c10::DeviceType::CUDA || core::cpu_bf16_flags().find("amx_bf16") != std::string::npos
               ? Precision::BF16
               : Precision::FP32;
  if (name == "fp32") return Precision::FP32;
  if (name == "bf16") return Precision::BF16;
  if (name == "fp16") return Precision::FP16;
  throw Error(std::string("[") + flag + "] got '" + name + "', expected fp32, bf16, fp16 or auto");
}

std::string to_string(Precision precision) {
  switch (precision) {
    case Precision::BF16: return "bf16";
    case Precision::FP16: return "fp16";
    default: return "fp32";
  }
}

AutocastGuard::AutocastGuard(c10::DeviceType device, Precision precision) : device_(device) {
  if (precision == Precision::FP32) return;
  PFGM_CHECK(precision != Precision::FP16 || device == c10::DeviceType::CUDA,
             "[amp] fp16 autocast needs a CUDA device; use bf16 or fp32 on the CPU");
  was_enabled_ = at::autocast::is_autocast_enabled(device);
  was_dtype_ = at::autocast::get_autocast_dtype(device);
  at::autocast::set_autocast_enabled(device, true);
  at::autocast::set_autocast_dtype(device, precision == Precision::BF16 ? at::kBFloat16 : at::kHalf);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(device_, was_enabled_);
  at::autocast::set_autocast_dtype(device_, was_dtype_);
}

}  // namespace pfgm::training
