#pragma once
// Work split over ranks as the official scripts split it, and the pieces gathered back in order.
#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "pfgm/distributed/process_group.h"

namespace pfgm::distributed {

// generate.py's split of n items (seeds): ceil(n / (batch·world))·world near-equal batches
// (numpy's array_split), batch k going to rank k mod world. Returns `rank`'s item indices in order.
std::vector<int64_t> rank_items(int64_t n, int64_t batch, int rank, int world);

// Every rank passes its rows (dim 0) and every rank's row count; returns all rows, rank 0's first,
// on every rank (rows are padded to the largest count for the collective and trimmed after).
torch::Tensor gather_rows(ProcessGroup& group, const torch::Tensor& rows, const std::vector<int64_t>& counts);

// Every rank passes the rows of its rank_items(n, batch, ...); returns all n rows in item order.
torch::Tensor gather_in_order(ProcessGroup& group, const torch::Tensor& rows, int64_t n, int64_t batch);

}  // namespace pfgm::distributed
