#include "dist_flags.h"

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

c10::Device device_for_rank(c10::Device device) {
  const auto world = distributed::world_from_environment();
  if (device.is_cuda() && world.distributed()) return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(world.local_rank));
  return device;
}

}  // namespace pfgm::cli
