#include "pfgm/eval/vector_metrics.h"

#include <algorithm>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/toy2d.h"
#include "pfgm/eval/mmd.h"
#include "pfgm/eval/nearest_distance.h"
#include "pfgm/eval/sliced_wasserstein.h"

namespace pfgm::eval {

VectorMetrics evaluate_vector_model(networks::Model& model, const samplers::SamplerOptions& sampler,
                                    const torch::Tensor& points, const VectorMetricsOptions& o) {
  VectorMetrics m;
  const double data_diameter = diameter(points);
  for (int64_t k = 0; k < o.repeats; ++k) {
    auto gen = core::make_generator(o.seed + 7919 * (k + 1));
    torch::Tensor ref_a, ref_b;
    if (!o.data.empty()) {
      ref_a = data::sample_toy2d(o.data, o.num, gen);
      ref_b = data::sample_toy2d(o.data, o.num, gen);
    } else {
      PFGM_CHECK(points.size(0) >= 2 * o.num, "[num] the data have ", points.size(0),
                 " points; the data-vs-data baseline needs 2·num, lower num");
      const auto perm = at::randperm(points.size(0), gen, at::kLong);
      ref_a = points.index_select(0, perm.narrow(0, 0, o.num));
      ref_b = points.index_select(0, perm.narrow(0, o.num, o.num));
    }
    std::vector<int64_t> seeds(o.num);
    for (int64_t i = 0; i < o.num; ++i) seeds[i] = 1000000 + k * o.num + i;
    const auto samples = samplers::generate(model, seeds, {model.config().N}, sampler);
    if (k == 0) m.first_samples = samples.x;
    m.nfe = samples.nfe;
    m.mmd += mmd(samples.x, ref_a) / static_cast<double>(o.repeats);
    m.mmd_baseline += mmd(ref_b, ref_a) / static_cast<double>(o.repeats);
    m.swd += sliced_wasserstein(samples.x, ref_a, 128, gen) / static_cast<double>(o.repeats);
    m.swd_baseline += sliced_wasserstein(ref_b, ref_a, 128, gen) / static_cast<double>(o.repeats);
    m.max_nearest = std::max(m.max_nearest, nearest_distance(samples.x, points).max().item<double>() / data_diameter);
  }
  return m;
}

}  // namespace pfgm::eval
