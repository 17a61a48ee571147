// Every test process runs LibTorch on one thread: `ctest -j 2` runs two test processes on a 2-core
// machine, and more threads than cores slow small-tensor work many times over. The programs the CLI
// tests start get `--threads 1` for the same reason (cli/cli_runner.h).
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

namespace {

class OneThreadEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { at::set_num_threads(1); }
};

const auto* const kOneThread = ::testing::AddGlobalTestEnvironment(new OneThreadEnvironment);

}  // namespace
