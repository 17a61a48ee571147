#pragma once
// A scope on one LibTorch thread, the previous count restored afterwards (every test process starts
// on one thread anyway: one_thread.cpp).
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
