#include "pfgm/distributed/gradient_sync.h"

#include <algorithm>

#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include "process_group_impl.h"

namespace pfgm::distributed {

void broadcast_tensors(ProcessGroup& group, const std::vector<torch::Tensor>& tensors, int root) {
  at::NoGradGuard no_grad;
  for (auto t : tensors) {
    auto cpu = t.detach().cpu().contiguous();
    group.broadcast(cpu, root);
    t.detach().copy_(cpu);
  }
}

struct GradientSync::Impl {
  ProcessGroup& group;
  std::shared_ptr<c10d::Reducer> reducer;
  explicit Impl(ProcessGroup& g) : group(g) {}
};

GradientSync::GradientSync(ProcessGroup& group, std::vector<torch::Tensor> params) : impl_(std::make_unique<Impl>(group)) {
  constexpr size_t kFirstBucket = size_t{1} << 20, kBucket = size_t{25} << 20;  // DDP's defaults
  const std::vector<bool> sparse(params.size(), false);
  auto buckets = std::get<0>(c10d::compute_bucket_assignment_by_size(params, {kFirstBucket, kBucket}, sparse));
  std::reverse(buckets.begin(), buckets.end());  // the last layers' gradients are ready first
  group.impl().run("setting up the gradient buckets", [&] {
    impl_->reducer = std::make_shared<c10d::Reducer>(params, buckets, group.impl().group, sparse, kBucket,
                                                     /*find_unused_parameters=*/false, /*gradient_as_bucket_view=*/false,
                                                     std::unordered_map<size_t, std::string>{}, kFirstBucket,
                                                     /*skip_all_reduce_unused_params=*/false,
                                                     /*use_python_reducer=*/false, std::vector<int64_t>{});
  });
}

GradientSync::~GradientSync() = default;

void GradientSync::before_forward() {
  impl_->group.impl().run("preparing the gradient buckets", [&] {
    impl_->reducer->prepare_for_forward();
    impl_->reducer->rebuild_buckets();
  });
}

void GradientSync::before_backward() {
  impl_->group.impl().run("averaging the gradients", [&] { impl_->reducer->prepare_for_backward({}); });
}

}  // namespace pfgm::distributed
