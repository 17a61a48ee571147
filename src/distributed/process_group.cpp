#include "pfgm/distributed/process_group.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef PFGM_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "pfgm/core/error.h"
#include "process_group_impl.h"

namespace pfgm::distributed {
namespace {

// An integer environment variable in [lo, hi], or `fallback` when unset.
int env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  PFGM_CHECK(*end == '\0' && x >= lo && x <= hi, "[distributed] environment variable ", name, "=", v,
             ": expected an integer from ", lo, " to ", hi);
  return static_cast<int>(x);
}

std::string env_str(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

World world_from_environment() {
  World w;
  if (std::getenv("WORLD_SIZE")) {
    w.launcher = "torchrun";
    w.size = env_int("WORLD_SIZE", 1, 1, 1 << 16);
    w.rank = env_int("RANK", 0, 0, w.size - 1);
    w.local_rank = env_int("LOCAL_RANK", w.rank, 0, w.size - 1);
  } else if (std::getenv("SLURM_NTASKS") && std::getenv("SLURM_PROCID")) {
    w.launcher = "slurm";
    // srun's tasks of this step (an srun may start fewer than the job's allocation), else the job's.
    w.size = env_int("SLURM_STEP_NUM_TASKS", env_int("SLURM_NTASKS", 1, 1, 1 << 16), 1, 1 << 16);
    w.rank = env_int("SLURM_PROCID", 0, 0, w.size - 1);
    w.local_rank = env_int("SLURM_LOCALID", 0, 0, w.size - 1);
  }
  w.master_addr = env_str("MASTER_ADDR", env_str("SLURM_LAUNCH_NODE_IPADDR", "127.0.0.1"));
  w.master_port = env_int("MASTER_PORT", 29500, 1, 65535);
  return w;
}


int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  PFGM_CHECK(fd >= 0, "[distributed] cannot open a socket to find a free port");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  PFGM_CHECK(ok, "[distributed] cannot find a free port on 127.0.0.1 (pfgm launch: give --master_port)");
  return ntohs(a.sin_port);
}

bool has_nccl() {
#ifdef PFGM_WITH_NCCL
  return true;
#else
  return false;
#endif
}

ProcessGroup::ProcessGroup(const World& world, const GroupOptions& options) : impl_(std::make_unique<Impl>()), world_(world) {
  PFGM_CHECK(options.backend == "auto" || options.backend == "gloo" || options.backend == "nccl", "[--dist-backend] ",
             options.backend, ": expected auto, gloo or nccl");
  PFGM_CHECK(options.backend != "nccl" || has_nccl(), "[--dist-backend] nccl: this build has no NCCL process group "
             "(CMake found no nvidia/nccl headers beside the torch wheel)");
  PFGM_CHECK(options.backend != "nccl" || options.cuda, "[--dist-backend] nccl: needs --device cuda");
  const bool nccl = options.cuda && has_nccl() && options.backend != "gloo";
  PFGM_CHECK(options.timeout_s > 0, "[--dist-timeout] got ", options.timeout_s, " s, expected > 0");
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000));
  // c10d's own warnings (a closed socket, with a stack trace) say less than the error pfgm throws
  // for them. The level is c10's, so other c10 warnings go too; TORCH_CPP_LOG_LEVEL=INFO or WARNING
  // brings them all back.
  if (env_str("TORCH_CPP_LOG_LEVEL", "").empty()) FLAGS_caffe2_log_level = std::max(FLAGS_caffe2_log_level, 2);
  auto& m = *impl_;
  m.world = world;
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(world.master_port);
    // torchrun's agent hosts the store itself (and says so); otherwise rank 0 does.
    const bool agent_store = env_str("TORCHELASTIC_USE_AGENT_STORE", "") == "True";
    so.isServer = world.rank == 0 && !agent_store;
    so.numWorkers = world.size;
    so.waitWorkers = true;
    so.timeout = timeout;
    m.store = c10::make_intrusive<c10d::TCPStore>(world.master_addr, so);
    // (torchrun's agent makes a new store for each restarted attempt: no keys of an earlier one.)
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout);
    const std::string iface = env_str("GLOO_SOCKET_IFNAME", "");
    const bool loopback = world.master_addr == "127.0.0.1" || world.master_addr == "localhost";
    gloo_options->devices.push_back(!iface.empty() ? c10d::ProcessGroupGloo::createDeviceForInterface(iface, false)
                                    : loopback     ? c10d::ProcessGroupGloo::createDeviceForInterface("lo", false)
                                                   : c10d::ProcessGroupGloo::createDefaultDevice());
    gloo_options->threads = 2;
    auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(m.store, world.rank, world.size, gloo_options);
    m.group = c10::make_intrusive<c10d::ProcessGroup>(m.store, world.rank, world.size);
    m.group->setBackend(c10::kCPU, c10d::ProcessGroup::BackendType::GLOO, gloo);  // CPU tensors: statistics, broadcasts
    m.group->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
    // Without NCCL, Gloo takes CUDA tensors too (through host copies), as init_process_group("gloo").
    if (!nccl) m.group->setBackend(c10::kCUDA, c10d::ProcessGroup::BackendType::GLOO, gloo);
#ifdef PFGM_WITH_NCCL
    if (nccl) {  // CUDA tensors (the gradient buckets) go through NCCL
      auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
      nccl_options->timeout = timeout;
      auto backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(m.store, world.rank, world.size, nccl_options);
      m.group->setBackend(c10::kCUDA, c10d::ProcessGroup::BackendType::NCCL, backend);
      m.group->setDefaultBackend(c10d::ProcessGroup::BackendType::NCCL);
    }
#endif
  } catch (const c10::Error& e) {
    const std::string hint = world.launcher == "slurm" ? "; under SLURM, start every task with srun" : "";
    throw Error("[distributed] rank " + std::to_string(world.rank) + " of " + std::to_string(world.size) +
                ": cannot join the group at " + world.master_addr + ":" + std::to_string(world.master_port) + " (" +
                e.what_without_backtrace() + ")" + hint);
  }
  m.heartbeat = std::thread([&m] {
    while (!m.stop) {
      try {
        m.store->add(beat_key(m.world.rank), 1);
      } catch (const std::exception&) {
        return;  // the store is gone; the next collective reports it
      }
      std::this_thread::sleep_for(kBeat);
    }
  });
}

ProcessGroup::~ProcessGroup() {
  impl_->stop = true;
  if (impl_->heartbeat.joinable()) impl_->heartbeat.join();
}

void ProcessGroup::allreduce_sum(torch::Tensor& t) {
  std::vector<at::Tensor> v{t};
  impl_->run("allreduce", [&] { impl_->group->allreduce(v)->wait(); });
}

void ProcessGroup::broadcast(torch::Tensor& t, int root) {
  std::vector<at::Tensor> v{t};
  c10d::BroadcastOptions o;
  o.rootRank = root;
  impl_->run("broadcast", [&] { impl_->group->broadcast(v, o)->wait(); });
}

std::vector<torch::Tensor> ProcessGroup::allgather(const torch::Tensor& t) {
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < world_.size; ++r) out[0].push_back(torch::empty_like(t));
  std::vector<at::Tensor> in{t.contiguous()};
  impl_->run("allgather", [&] { impl_->group->allgather(out, in)->wait(); });
  return out[0];
}

void ProcessGroup::fail(const std::string& what, const std::string& reason) { impl_->fail(what.c_str(), reason); }

void ProcessGroup::barrier() {
  impl_->run("barrier", [&] { impl_->group->barrier()->wait(); });
}

void ProcessGroup::wait_for(int root, const std::string& work) {
  PFGM_CHECK(root >= 0 && root < world_.size, "[distributed] wait_for rank ", root, " of ", world_.size);
  auto& m = *impl_;
  const std::string done = "pfgm/done/" + std::to_string(m.waits++);
  const std::string what = "waiting for rank " + std::to_string(root) + " (" + work + ")";
  m.run(what.c_str(), [&] {
    if (world_.rank == root) return m.store->set(done, std::vector<uint8_t>{1});
    int64_t beats = m.store->add(beat_key(root), 0), still = 0;
    while (!m.store->check({done})) {
      std::this_thread::sleep_for(kBeat);
      const int64_t now = m.store->add(beat_key(root), 0);
      still = now == beats ? still + 1 : 0;
      beats = now;
      if (still >= 6) m.fail(what.c_str(), "no heartbeat for 3 s");
    }
  });
}

}  // namespace pfgm::distributed
