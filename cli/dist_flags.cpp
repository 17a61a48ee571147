#include "dist_flags.h"

#include "pfgm/core/error.h"

namespace pfgm::cli {

void add_dist_flags(CLI::App* command, DistArgs& a) {
  command->add_option("--dist-backend", a.backend, std::string("process group over several processes: auto | gloo | nccl") +
                      (distributed::has_nccl() ? "" : " (this build: no nccl)"))
      ->capture_default_str();
  command->add_option("--dist-timeout", a.timeout_s, "seconds a collective may wait for a lost rank before failing")
      ->check(CLI::PositiveNumber)->capture_default_str();
}

std::unique_ptr<distributed::ProcessGroup> join_group(const DistArgs& a, c10::Device device) {
  const auto world = distributed::world_from_environment();
  if (!world.distributed()) return nullptr;
  return std::make_unique<distributed::ProcessGroup>(world, distributed::GroupOptions{a.backend, a.timeout_s, device.is_cuda()});
}

void check_command_runs_distributed(int argc, char** argv) {
  const auto world = distributed::world_from_environment();
  // Not SLURM's: they also reach the commands a batch script runs itself (not through srun), which
  // run alone.
  if (!world.distributed() || world.launcher != "torchrun" || argc < 2 || argv[1][0] == '-') return;
  std::string command = argv[1];
  const bool has_sub = command == "fid" || command == "bench";
  if (has_sub && (argc < 3 || argv[2][0] == '-')) return;  // help
  if (has_sub) command += std::string(" ") + argv[2];
  for (const char* c : {"train", "generate", "fid ref", "fid calc", "bench train"})
    if (command == c) return;
  throw Error("[distributed] pfgm " + command + " runs in one process, but WORLD_SIZE says " +
              std::to_string(world.size) + ": run it without a launcher (train, generate, fid ref, "
              "fid calc and bench train split their work over processes)");
}

c10::Device device_for_rank(c10::Device device) {
  const auto world = distributed::world_from_environment();
  if (device.is_cuda() && world.distributed()) return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(world.local_rank));
  return device;
}

}  // namespace pfgm::cli
