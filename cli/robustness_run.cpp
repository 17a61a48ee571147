#include "robustness_run.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "network_path.h"
#include "run_control.h"
#include "sample_report.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/eval/outliers.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/io/pixels.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/networks/weight_quantization.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/mixed_precision.h"
#include "pfgm/io/output_folder.h"

namespace pfgm::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Setting {
  std::string sweep;  // "base", "alpha", "steps", "bits"
  double value;
  int steps, bits;    // bits 0: float32
  double alpha;
};

std::vector<Setting> settings(const RobustnessArgs& a) {
  std::vector<Setting> s{{"base", 0, a.base_steps, 0, 0}};
  for (double v : a.alphas) s.push_back({"alpha", v, a.base_steps, 0, v});
  for (int v : a.steps) s.push_back({"steps", double(v), v, 0, 0});
  for (int v : a.bits) s.push_back({"bits", double(v), a.base_steps, v, 0});
  return s;
}

std::string default_label(const networks::ModelConfig& c) {
  return c.precond == networks::Precond::PFGM ? "PFGM" : "D = " + physics::format_aug_dim(c.D);
}

// The samples of one setting, uint8 [count, C, H, W].
torch::Tensor sample(const RobustnessArgs& a, const std::string& file, const Setting& s, c10::Device device,
                     int64_t& nfe) {
  auto model = networks::load_model(file);
  if (s.bits > 0) networks::quantize_weights(*model, s.bits);  // on the CPU, before any layout change
  model->to(device);
  model->set_channels_last(a.channels_last != 0);
  const auto& c = model->config();
  samplers::SamplerOptions o;
  o.solver = c.precond == networks::Precond::PFGM ? samplers::Solver::Euler : samplers::Solver::Heun;
  o.schedule = {s.steps, c.sigma_min, c.sigma_max, 7};
  o.churn.alpha = s.alpha;
  o.batch = a.batch;
  std::vector<int64_t> seeds(a.count);
  for (int64_t i = 0; i < a.count; ++i) seeds[i] = i;
  CountProgress progress(s.sweep + " " + json(s.value).dump(), "images");
  o.progress = [&](int64_t done, int64_t total) { progress(done, total); };
  training::AutocastGuard autocast(device.type(), training::parse_precision(a.amp, "--amp", device.type()));
  const auto r = samplers::generate(*model, seeds, c.sample_shape(), o);
  end_progress();
  nfe = r.nfe;
  return io::to_uint8(r.x);
}

std::set<std::string> done_rows(const std::string& path) {
  std::set<std::string> done;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) {
    try {
      const auto j = json::parse(line);
      done.insert(j.at("network").get<std::string>() + "|" + j.at("sweep").get<std::string>() + "|" +
                  j.at("value").dump());
    } catch (const json::exception&) {  // a line cut by an interruption: that setting runs again
    }
  }
  return done;
}

}  // namespace

void run_robustness(const RobustnessArgs& a) {
  core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  PFGM_CHECK(!a.networks.empty(), "[--network] give at least one network");
  PFGM_CHECK(a.labels.empty() || a.labels.size() == a.networks.size(), "[--labels] ", a.labels.size(),
             " labels for ", a.networks.size(), " networks");
  PFGM_CHECK(a.count > 0, "[--fd] got ", a.count, ", expected > 0");
  PFGM_CHECK(a.batch > 0, "[--batch] got ", a.batch, ", expected > 0");
  PFGM_CHECK(a.base_steps > 0, "[--base_steps] got ", a.base_steps, ", expected > 0");
  for (int v : a.steps) PFGM_CHECK(v > 0, "[--steps] got ", v, ", expected > 0");
  for (int v : a.bits) PFGM_CHECK(v >= 1 && v <= 16, "[--bits] got ", v, ", expected 1 to 16");
  for (double v : a.alphas) PFGM_CHECK(v >= 0, "[--alpha] got ", v, ", expected ≥ 0");
  std::vector<std::string> files;
  for (const auto& n : a.networks) files.push_back(find_network(n));
  io::make_output_folder(a.outdir, "--outdir");
  data::ImageDatasetOptions d;
  d.use_labels = true;
  d.pad_to = networks::load_model(files[0])->config().img_resolution();
  const auto train = data::load_image_dataset(a.data, d);
  SampleReportOptions r;
  r.data = a.data;
  r.classifier = a.classifier.empty() ? (fs::path(a.outdir) / "classifier.safetensors").string() : a.classifier;
  r.device = device;
  r.count = a.count;
  SampleJudge judge(train, r, [](const std::string& line) { std::fputs(line.c_str(), stdout); });
  // The outlier share needs held-out images that are not the training set.
  std::optional<eval::OutlierReference> outliers;
  if (judge.has_test_split())
    outliers = eval::outlier_reference(train.images,
                                       judge.heldout().narrow(0, 0, std::min<int64_t>(1000, judge.heldout().size(0))));
  const std::string log = (fs::path(a.outdir) / "robustness.jsonl").string();
  const auto done = done_rows(log);
  for (size_t i = 0; i < files.size(); ++i) {
    const auto config = networks::load_model(files[i])->config();
    PFGM_CHECK(config.is_image() && config.img_resolution() == train.images.size(2) &&
                   config.img_channels() == train.images.size(1),
               "[--network] ", files[i], ": expected an image network for the ", train.images.size(1), "×",
               train.images.size(2), "×", train.images.size(3), " images of ", a.data);
    const std::string label = i < a.labels.size() && !a.labels[i].empty() ? a.labels[i] : default_label(config);
    for (const auto& s : settings(a)) {
      if (done.count(files[i] + "|" + s.sweep + "|" + json(s.value).dump())) continue;
      const auto t0 = std::chrono::steady_clock::now();
      int64_t nfe = 0;
      const auto pixels = sample(a, files[i], s, device, nfe);
      const auto q = judge.judge(pixels);
      json row{{"label", label}, {"network", files[i]}, {"sweep", s.sweep}, {"value", s.value},
               {"steps", s.steps}, {"nfe", nfe}, {"alpha", s.alpha}, {"bits", s.bits}, {"fd", q.samples.fd},
               {"fd_floor", q.floor.fd}, {"confident", q.samples.confident}, {"outlier_share", nullptr},
               {"count", q.count},
               {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
      std::string outlier_text = "no test split";
      if (outliers) {
        const auto out = eval::outlier_share(*outliers, pixels);
        row["outlier_share"] = out.share;
        row["max_nearest_distance"] = out.max_distance;
        row["outlier_threshold"] = out.threshold;
        outlier_text = std::to_string(100 * out.share).substr(0, 5) + "%";
      }
      std::printf("%s %s %g: FD %.3f (floor %.3f), outliers %s, NFE %lld\n", label.c_str(), s.sweep.c_str(), s.value,
                  q.samples.fd, q.floor.fd, outlier_text.c_str(), (long long)nfe);
      std::ofstream(log, std::ios::app) << row.dump() << "\n";
    }
  }
  write_robustness_table(a.outdir);
  std::printf("table: %s/robustness.csv\nplot: %s/robustness.png\n", a.outdir.c_str(), a.outdir.c_str());
}

}  // namespace pfgm::cli
