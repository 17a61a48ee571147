// `pfgm fid ref|calc`: FID with EDM's protocol (fid.py, spec 6.3) — reference statistics of a
// dataset, and the distance of a set of images to them — plus KID and the Inception Score, through
// EDM's Inception detector as TorchScript or pfgm's own classifier (then the distance is "FD").
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "commands.h"
#include "dist_flags.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/eval/feature_stats.h"
#include "pfgm/eval/fid_reference.h"
#include "pfgm/eval/image_metrics.h"
#include "run_control.h"

namespace pfgm::cli {

namespace {

struct FidArgs {
  std::string data, dest, images, ref, detector, device = "auto", split = "train";
  int64_t num = 50000, batch = 64, max_images = -1;
  uint64_t seed = 0;
  bool features = false, kid = false, is = false, json = false;
  int threads = 0;
  DistArgs dist;  // several processes share the detector's work; rank 0 writes and prints
};

const char* distance_name(const std::string& detector) { return eval::is_classifier_file(detector) ? "FD" : "FID"; }

void run_ref(const FidArgs& a) {
  core::configure_process(a.threads);
  PFGM_CHECK(a.split == "train" || a.split == "test", "[--split] got '", a.split, "', expected train or test");
  data::ImageDatasetOptions o;
  o.train = a.split == "train";
  o.max_size = a.max_images;
  const auto group = join_group(a.dist);
  const auto dataset = data::load_image_dataset(a.data, o);
  auto detector = eval::load_detector(a.detector, device_for_rank(core::parse_device(a.device)));
  eval::FeatureSetOptions f;
  f.batch = a.batch;
  f.keep_features = a.features;
  f.group = group.get();
  CountProgress progress("detector", "images");
  if (!group || group->rank() == 0) f.progress = std::ref(progress);
  const auto set = eval::compute_feature_set(*detector, dataset.images, f);
  end_progress();
  if (group && group->rank() != 0) return;
  eval::write_fid_reference(a.dest, {set.stats, set.features});
  std::printf("reference statistics of %lld images of %s (%lld features, %s) in %s\n", (long long)set.count,
              a.data.c_str(), (long long)set.stats.mu.size(0), a.detector.c_str(), a.dest.c_str());
}

void run_calc(const FidArgs& a) {
  core::configure_process(a.threads);
  PFGM_CHECK(a.num >= 2, "[--num] got ", a.num, ", expected at least 2 images");
  const auto ref = eval::read_fid_reference(a.ref);
  // fid.py: every image when there are exactly --num, a seeded random subset of --num when more.
  data::ImageDatasetOptions o;
  o.max_size = a.num;
  o.seed = a.seed;
  const auto images = data::load_image_dataset(a.images, o).images;
  PFGM_CHECK(images.size(0) >= a.num, "[--images] ", a.images, ": found ", images.size(0),
             " images, but expected at least ", a.num, " (--num)");
  const auto group = join_group(a.dist);
  auto detector = eval::load_detector(a.detector, device_for_rank(core::parse_device(a.device)), a.is);
  eval::ImageMetricsOptions m;
  m.group = group.get();
  m.batch = a.batch;
  m.kid = a.kid;
  m.inception_score = a.is;
  m.kid_options.seed = a.seed;
  CountProgress progress("detector", "images");
  if (!group || group->rank() == 0) m.progress = std::ref(progress);
  const auto r = eval::image_metrics(*detector, images, ref, m);
  end_progress();
  if (group && group->rank() != 0) return;
  const std::string name = distance_name(a.detector);
  if (a.json) {
    nlohmann::json j{{name == "FID" ? "fid" : "fd", r.fd}, {"num", r.count}, {"features", r.feature_dim},
                     {"images", a.images}, {"ref", a.ref}, {"detector", a.detector}, {"seed", a.seed}};
    if (r.kid) j["kid"] = *r.kid;
    if (r.is) j["is_mean"] = r.is->mean, j["is_std"] = r.is->std;
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("%s %.4f  (%lld images of %s against %s, %lld features)\n", name.c_str(), r.fd, (long long)r.count,
              a.images.c_str(), a.ref.c_str(), (long long)r.feature_dim);
  if (r.kid) std::printf("KID %.6f  (x1000: %.3f; %lld subsets of %lld)\n", *r.kid, *r.kid * 1e3,
                         (long long)m.kid_options.num_subsets, (long long)std::min<int64_t>(r.count, 1000));
  if (r.is) std::printf("%s %.4f ± %.4f  (10 splits)\n", name == "FID" ? "IS" : "classifier score", r.is->mean, r.is->std);
}

}  // namespace

void add_fid_command(CLI::App& app) {
  auto a = std::make_shared<FidArgs>();
  auto* fid = app.add_subcommand("fid", "FID/KID/IS as EDM's fid.py: reference statistics (ref) and distances (calc)");
  fid->require_subcommand(1);

  auto* ref = fid->add_subcommand("ref", "reference statistics (mu, sigma) of a dataset, as fid.py ref");
  ref->add_option("--data", a->data, "dataset: fashion-mnist, a zip or folder of PNGs, CIFAR-10 binary, idx, .npz")
      ->required();
  ref->add_option("--dest", a->dest, "the reference .npz to write (keys mu, sigma as numpy.savez)")->required();
  ref->add_option("--detector", a->detector, "TorchScript Inception (.pt) or a pfgm classifier (.safetensors)")
      ->required();
  ref->add_option("--split", a->split, "train | test, for datasets with splits")->capture_default_str();
  ref->add_option("--max-images", a->max_images, "at most this many images (default all)");
  ref->add_option("--features", a->features, "also store every feature row (needed for KID)")->capture_default_str();
  ref->add_option("--batch", a->batch, "images per detector call")->check(CLI::PositiveNumber)->capture_default_str();
  ref->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  ref->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  add_dist_flags(ref, a->dist);
  ref->callback([a] { run_ref(*a); });

  auto* calc = fid->add_subcommand("calc", "the distance of a set of images to reference statistics, as fid.py calc");
  calc->add_option("--images", a->images, "a folder or zip of PNGs (pfgm generate --outdir), an .npz, or a dataset")
      ->required();
  calc->add_option("--ref", a->ref, "reference .npz (pfgm fid ref, or EDM's published ones)")->required();
  calc->add_option("--detector", a->detector, "TorchScript Inception (.pt) or a pfgm classifier (.safetensors)")
      ->required();
  calc->add_option("--num", a->num, "images to evaluate: fewer is an error, more a seeded random subset")
      ->capture_default_str();
  calc->add_option("--seed", a->seed, "seed of the subset (numpy RandomState, as fid.py) and of KID's subsets")
      ->capture_default_str();
  calc->add_option("--kid", a->kid, "also KID (the reference needs --features 1)")->capture_default_str();
  calc->add_option("--is", a->is, "also the Inception Score (or the classifier's analogue)")->capture_default_str();
  calc->add_flag("--json", a->json, "print the figures as one JSON line");
  calc->add_option("--batch", a->batch, "images per detector call")->check(CLI::PositiveNumber)->capture_default_str();
  calc->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  calc->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  add_dist_flags(calc, a->dist);
  calc->callback([a] { run_calc(*a); });
}

}  // namespace pfgm::cli
