#pragma once
// The flags of a command that runs over several processes (torchrun, `pfgm launch`, SLURM): the
// process group is joined when the environment says there is more than one process.
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <torch/types.h>

#include "pfgm/distributed/process_group.h"

namespace pfgm::cli {

struct DistArgs {
  std::string backend = "auto";
  double timeout_s = 300;
};

void add_dist_flags(CLI::App* command, DistArgs& a);

// The group of this process's world, or nullptr when it runs alone; `device` chooses NCCL (CUDA)
// or Gloo under --dist-backend auto.
std::unique_ptr<distributed::ProcessGroup> join_group(const DistArgs& a, c10::Device device = c10::Device(c10::kCPU));

// Under torchrun or `pfgm launch` (WORLD_SIZE > 1), throws pfgm::Error unless the
// command of `argv` splits its work over processes: every other one would run whole in each
// process and write the same files.
void check_command_runs_distributed(int argc, char** argv);

// `device` with CUDA's index taken from LOCAL_RANK when several processes share a machine.
c10::Device device_for_rank(c10::Device device);

}  // namespace pfgm::cli
