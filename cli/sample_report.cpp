#include "sample_report.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/eval/detector.h"
#include "pfgm/eval/feature_stats.h"
#include "pfgm/networks/classifier.h"
#include "pfgm/training/classifier_training.h"
#include "pfgm/io/input_file.h"
#include "pfgm/io/output_folder.h"
#include "run_control.h"

namespace pfgm::cli {

namespace fs = std::filesystem;

namespace {
// The held-out real images: the test split where the format has one, else the training images.
data::ImageDataset heldout_images(const std::string& path, const data::ImageDataset& train) {
  if (!data::has_test_split(data::detect_dataset_format(path))) return train;
  data::ImageDatasetOptions o;
  o.train = false;
  o.pad_to = train.images.size(2);
  try {
    return data::load_image_dataset(path, o);
  } catch (const Error&) {
    return train;  // an idx folder without t10k files
  }
}
}  // namespace

struct SampleJudge::State {
  data::ImageDataset heldout;
  torch::Tensor train_images;
  std::unique_ptr<eval::Detector> detector;
  eval::FIDReference reference;
  distributed::ProcessGroup* group = nullptr;
};

SampleJudge::SampleJudge(const data::ImageDataset& train, const SampleReportOptions& o,
                         const std::function<void(const std::string&)>& say)
    : state_(std::make_unique<State>()) {
  auto& s = *state_;
  s.heldout = heldout_images(o.data, train);
  s.train_images = train.images;
  s.group = o.group;
  const bool lead = !o.group || o.group->rank() == 0;
  if (lead && !fs::exists(o.classifier)) {
    PFGM_CHECK(train.labels.defined(), "[--fd] ", o.data, ": a quality report needs a labelled dataset to train its "
               "classifier on; give --fd 0 or --classifier FILE");
    say("training the feature classifier " + o.classifier + " on the labels of " + o.data + "\n");
    networks::ClassifierConfig c;
    c.channels = train.images.size(1);
    c.resolution = train.images.size(2);
    c.num_classes = train.label_dim;
    networks::Classifier net(c, 0);
    net->to(o.device);
    training::ClassifierTrainOptions t;
    t.batch = std::min(t.batch, train.images.size(0));  // a small dataset still makes steps
    CountProgress progress("classifier", "steps");
    const auto r = training::train_classifier(net, train.images, train.labels, s.heldout.images, s.heldout.labels, t,
                                              [&](const training::ClassifierProgress& p) {
                                                progress(p.step, p.total_steps);
                                              });
    end_progress();
    classifier_accuracy_ = r.heldout_accuracy;
    io::make_output_folder(fs::absolute(o.classifier).parent_path().string(), "--classifier");
    networks::save_classifier(o.classifier, net);
  }
  if (o.group) o.group->wait_for(0, "the quality report's classifier");
  io::check_input_file(o.classifier, "--classifier");
  s.detector = eval::make_classifier_detector(o.classifier, o.device);
  eval::FeatureSetOptions f;
  f.batch = 500;
  f.group = o.group;
  s.reference = {eval::compute_feature_set(*s.detector, train.images, f).stats, {}};
  if (lead && !o.reference.empty()) eval::write_fid_reference(o.reference, s.reference);
}

SampleJudge::~SampleJudge() = default;

const torch::Tensor& SampleJudge::heldout() const { return state_->heldout.images; }

bool SampleJudge::has_test_split() const { return !state_->heldout.images.is_same(state_->train_images); }

eval::SampleQuality SampleJudge::judge(const torch::Tensor& samples) const {
  const auto& s = *state_;
  // As many held-out images as samples (a seeded subset, as fid.py chooses one).
  const int64_t n = std::min(samples.size(0), s.heldout.images.size(0));
  const auto keep = torch::tensor(data::choose_subset(s.heldout.images.size(0), n, 0), torch::kInt64);
  eval::SampleQualityOptions q;
  q.group = s.group;
  return eval::sample_quality(*s.detector, s.reference, samples.narrow(0, 0, n), s.heldout.images.index_select(0, keep), q);
}

SampleReport sample_report(const data::ImageDataset& train, const torch::Tensor& samples, const SampleReportOptions& o,
                           const std::function<void(const std::string&)>& say) {
  const auto t0 = std::chrono::steady_clock::now();
  SampleJudge judge(train, o, say);
  SampleReport report;
  report.classifier_accuracy = judge.classifier_accuracy();
  report.quality = judge.judge(samples);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace pfgm::cli
