// Declarations of the few Gloo names <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp> mentions.
// The torch wheel has Gloo compiled into libtorch_cpu.so but ships none of its headers. The process
// group holds Gloo objects only through std::shared_ptr / std::unique_ptr, so its layout does not
// depend on these declarations (the collective tests check the group end to end). No Gloo type is
// ever created from pfgm's code; the one member declared, the non-virtual Context::setTimeout, is
// exported by libtorch_cpu.so.
#pragma once
#include <chrono>

namespace gloo {
class Context {
 public:
  Context() = delete;
  void setTimeout(std::chrono::milliseconds timeout);
};
}  // namespace gloo
