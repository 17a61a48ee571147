#include "pfgm/networks/flop_counter.h"

namespace pfgm::networks {

namespace {
thread_local FlopCounter* current = nullptr;
}

FlopCounter::FlopCounter() : outer_(current) { current = this; }
FlopCounter::~FlopCounter() { current = outer_; }

void count_flops(int64_t flops) {
  if (current) current->flops_ += flops;
}

}  // namespace pfgm::networks
