#pragma once
// Gradients averaged over the ranks while the backward pass runs: c10d's Reducer, the engine of
// PyTorch's DistributedDataParallel, with DDP's buckets (the first 1 MiB, then 25 MiB, in reverse
// parameter order), each bucket all-reduced as soon as its gradients are ready. As DDP's no_sync,
// only the rounds announced with before_forward/before_backward synchronise; the others accumulate
// locally, and the synchronised round averages the accumulated gradients.
#include <memory>
#include <vector>

#include <torch/types.h>

#include "pfgm/distributed/process_group.h"

namespace pfgm::distributed {

// Broadcasts every tensor from `root` in place (the weights before training, as DDP does).
void broadcast_tensors(ProcessGroup& group, const std::vector<torch::Tensor>& tensors, int root = 0);

class GradientSync {
 public:
  GradientSync(ProcessGroup& group, std::vector<torch::Tensor> params);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  void before_forward();   // a synchronising round's forward pass is next
  void before_backward();  // its backward pass is next: the gradients arrive averaged over ranks

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pfgm::distributed
