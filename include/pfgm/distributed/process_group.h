#pragma once
// Several processes, one run: PyTorch's c10d process group (a TCPStore rendezvous at
// MASTER_ADDR:MASTER_PORT hosted by rank 0, Gloo collectives for CPU tensors and, when built with
// it, NCCL for CUDA tensors), set up from the
// environment torchrun, `pfgm launch` or SLURM gives each process. A rank that dies or hangs makes
// every collective of the others fail within the timeout with a pfgm::Error naming it (each rank
// beats a heartbeat counter in the store; the ranks whose counter stopped are the lost ones).
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace pfgm::distributed {

struct World {
  int rank = 0, size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string launcher = "none";  // torchrun (RANK, WORLD_SIZE, LOCAL_RANK), slurm (SLURM_PROCID, ...) or none
  bool distributed() const { return size > 1; }
};

// torchrun's variables first, then SLURM's; one process when neither is set. Throws pfgm::Error
// naming the variable when one is malformed.
World world_from_environment();

struct GroupOptions {
  std::string backend = "auto";  // auto (nccl for CUDA devices when built with it, else gloo), gloo, nccl
  double timeout_s = 300;        // a collective or the rendezvous waiting longer fails (--dist-timeout)
  bool cuda = false;             // the processes train on CUDA devices
};

bool has_nccl();  // this build has the NCCL process group (CMake found NCCL's headers beside the wheel)

// A TCP port on 127.0.0.1 that the kernel says is free now (bound to port 0), for a rendezvous on
// this machine. Throws pfgm::Error when none can be had.
int free_loopback_port();

class ProcessGroup {
 public:
  ProcessGroup(const World& world, const GroupOptions& options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return world_.rank; }
  int size() const { return world_.size; }

  void allreduce_sum(torch::Tensor& t);                         // in place, CPU tensors
  void broadcast(torch::Tensor& t, int root = 0);               // in place
  std::vector<torch::Tensor> allgather(const torch::Tensor& t);  // the same shape on every rank
  void barrier();
  // Rank `root` works alone for as long as it needs (training the quality report's classifier)
  // while the others wait here past --dist-timeout as long as its heartbeat beats; every rank
  // calls it, the root once its work is done.
  void wait_for(int root, const std::string& work);

  // Throws the error a failed collective throws (naming the lost ranks), for work that fails
  // outside these calls (a gradient average inside the backward pass).
  [[noreturn]] void fail(const std::string& what, const std::string& reason);

  struct Impl;  // c10d's objects (src/distributed/process_group_impl.h)
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
  World world_;
};

}  // namespace pfgm::distributed
