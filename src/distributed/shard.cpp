#include "pfgm/distributed/shard.h"

#include <algorithm>

#include "pfgm/core/error.h"

namespace pfgm::distributed {

std::vector<int64_t> rank_items(int64_t n, int64_t batch, int rank, int world) {
  PFGM_CHECK(batch > 0 && world > 0 && rank >= 0 && rank < world, "[shard] batch ", batch, ", rank ", rank, " of ", world);
  const int64_t batches = std::max<int64_t>(1, (n + batch * world - 1) / (batch * world)) * world;
  // numpy.array_split: the first n % batches pieces hold one item more.
  const int64_t base = n / batches, extra = n % batches;
  std::vector<int64_t> mine;
  int64_t start = 0;
  for (int64_t k = 0; k < batches; ++k) {
    const int64_t size = base + (k < extra ? 1 : 0);
    if (k % world == rank)
      for (int64_t i = start; i < start + size; ++i) mine.push_back(i);
    start += size;
  }
  return mine;
}

torch::Tensor gather_rows(ProcessGroup& group, const torch::Tensor& rows, const std::vector<int64_t>& counts) {
  PFGM_CHECK(static_cast<int>(counts.size()) == group.size() && counts[group.rank()] == rows.size(0),
             "[shard] row counts do not match the group");
  const int64_t most = *std::max_element(counts.begin(), counts.end());
  auto shape = rows.sizes().vec();
  shape[0] = most;
  auto padded = torch::zeros(shape, rows.options());
  if (rows.size(0) > 0) padded.narrow(0, 0, rows.size(0)).copy_(rows);
  const auto pieces = group.allgather(padded);
  std::vector<torch::Tensor> kept;
  for (int r = 0; r < group.size(); ++r) kept.push_back(pieces[r].narrow(0, 0, counts[r]));
  return torch::cat(kept);
}

torch::Tensor gather_in_order(ProcessGroup& group, const torch::Tensor& rows, int64_t n, int64_t batch) {
  std::vector<int64_t> counts, order;
  for (int r = 0; r < group.size(); ++r) {
    const auto mine = rank_items(n, batch, r, group.size());
    counts.push_back(static_cast<int64_t>(mine.size()));
    order.insert(order.end(), mine.begin(), mine.end());
  }
  return gather_rows(group, rows, counts).index_select(0, torch::tensor(order, torch::kInt64).argsort());
}

}  // namespace pfgm::distributed
