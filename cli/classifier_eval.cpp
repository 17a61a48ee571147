// `pfgm classifier eval`: accuracy and confidence of a classifier on a dataset.
#include <algorithm>
#include <cstdio>
#include <vector>

#include <torch/types.h>

#include "classifier_run.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/eval/detector.h"

namespace pfgm::cli {

void run_classifier_eval(const ClassifierEvalArgs& a) {
  core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  PFGM_CHECK(a.split == "test" || a.split == "train", "[--split] got '", a.split, "', expected test or train");
  auto detector = eval::make_classifier_detector(a.classifier, device);
  const auto format = data::detect_dataset_format(a.data);
  data::ImageDatasetOptions load;
  load.max_size = a.max_images;
  load.train = !(a.split == "test" && data::has_test_split(format));
  const auto d = data::load_image_dataset(a.data, load);
  const int64_t n = d.images.size(0);
  PFGM_CHECK(n > 0, "[--data] ", a.data, ": no images");

  std::vector<torch::Tensor> probs;
  for (int64_t i = 0; i < n; i += a.batch)
    probs.push_back(detector->detect(d.images.narrow(0, i, std::min(a.batch, n - i))).probs);
  const auto p = torch::cat(probs);
  const auto [max_p, predicted] = p.max(1);
  const double mean_max = max_p.mean().item<double>();
  const double confident = max_p.ge(0.9).to(torch::kFloat64).mean().item<double>();
  const std::string split = data::has_test_split(format) ? (load.train ? "train split" : "test split") : "all images";
  if (d.labels.defined()) {
    PFGM_CHECK(d.labels.max().item<int64_t>() < p.size(1), "[--data] ", a.data, ": labels up to ",
               d.labels.max().item<int64_t>(), ", but the classifier ", a.classifier, " has ", p.size(1), " classes");
    const int64_t right = predicted.eq(d.labels).sum().item<int64_t>();
    std::printf("accuracy %.4f (%lld/%lld)  ", static_cast<double>(right) / static_cast<double>(n), (long long)right,
                (long long)n);
  } else {
    std::printf("accuracy n/a (no labels)  ");
  }
  std::printf("mean max-probability %.4f  confident (max-probability >= 0.9) %.4f  on %lld images of %s (%s)\n",
              mean_max, confident, (long long)n, a.data.c_str(), split.c_str());
}

}  // namespace pfgm::cli
