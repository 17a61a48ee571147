#pragma once
// Counts the floating-point operations of a forward pass (2 per multiply-add of convolutions,
// linear layers and attention), as layers report them while a FlopCounter is alive on this thread.
#include <cstdint>

namespace pfgm::networks {

class FlopCounter {
 public:
  FlopCounter();
  ~FlopCounter();
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;
  int64_t flops() const { return flops_; }

 private:
  friend void count_flops(int64_t);
  int64_t flops_ = 0;
  FlopCounter* outer_;
};

// Adds to the innermost live counter of this thread; free when none is alive.
void count_flops(int64_t flops);

}  // namespace pfgm::networks
