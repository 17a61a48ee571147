#pragma once
// Tests on small tensors run on one LibTorch thread: more only add wake-ups, and two test processes
// on a 2-core machine would oversubscribe it. The previous thread count comes back afterwards.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

struct OneThread {
  int before = at::get_num_threads();
  OneThread() { at::set_num_threads(1); }
  ~OneThread() { at::set_num_threads(before); }
};

// A fixture whose tests run on one thread.
class OneThreadTest : public ::testing::Test {
 private:
  OneThread one_thread_;
};
