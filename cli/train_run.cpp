#include "train_run.h"

#include <chrono>
#include <filesystem>

#include <torch/types.h>

#include "run_control.h"
#include "sample_report.h"
#include "pfgm/distributed/shard.h"
#include "pfgm/core/error.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/io/pixels.h"
#include "pfgm/io/png.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/run_directory.h"

namespace pfgm::cli {

namespace fs = std::filesystem;
using nlohmann::json;

std::string dataset_name(const std::string& path) {
  if (path == "fashion-mnist") return path;
  auto p = fs::path(path);
  if (!p.has_filename()) p = p.parent_path();
  return p.stem().string();
}

std::string run_directory(const TrainArgs& a, const training::TrainConfig& c, const networks::ModelConfig& model) {
  if (a.nosubdir) return a.outdir;
  if (!a.name.empty()) return (fs::path(a.outdir) / a.name).string();
  std::string d = dataset_name(c.data) + "-" + (a.o.cond ? "cond" : "uncond") + "-" + training::arch_name(model) + "-" +
                  (c.pfgm ? "pfgm" : a.precond) + "-gpus" + std::to_string(a.world) + "-batch" + std::to_string(c.options.batch) + "-" + (a.o.fp16 ? "fp16" : "fp32");
  if (!a.desc.empty()) d += "-" + a.desc;
  return training::numbered_run_directory(a.outdir, d);
}

namespace {
json loss_json(const TrainArgs& a, const training::TrainConfig& c, const networks::ModelConfig& model) {
  if (!c.pfgm)
    return {{"D", physics::format_aug_dim(model.D)}, {"official_clip", a.o.official_clip}, {"P_mean", model.P_mean},
            {"P_std", model.P_std}, {"sigma_data", model.sigma_data}, {"stf", c.pipeline.stf},
            {"rbatch", c.pipeline.stf ? json(c.pipeline.rbatch) : json(nullptr)}, {"lsun", a.o.lsun}};
  const auto& p = c.pipeline.pfgm_perturbation;
  return {{"objective", "pfgm"}, {"large_batch", c.pipeline.large_batch}, {"tau", p.tau}, {"sigma_end", p.sigma_end},
          {"M", p.M}, {"restrict_M", p.restrict_M}, {"gamma", model.gamma}, {"reduce_mean", c.pipeline.reduce_mean},
          {"grad_clip", c.options.grad_clip}, {"ema_rate", c.options.ema_rate}};
}
}  // namespace

json training_options_json(const TrainArgs& a, const training::TrainConfig& c, const networks::ModelConfig& model,
                           const data::ImageDataset& dataset, c10::Device device, int threads) {
  const auto& t = c.options;
  const auto& images = dataset.images;
  return json{
      {"preset", c.preset},
      {"dataset_kwargs", {{"path", c.data}, {"name", dataset_name(c.data)}, {"images", images.size(0)},
                          {"resolution", images.size(2)}, {"channels", images.size(1)}, {"use_labels", a.o.cond},
                          {"xflip", a.o.xflip}, {"cache", a.cache}}},
      {"data_loader_kwargs", {{"num_workers", a.workers}}},
      {"network_kwargs", model.to_json()},
      {"loss_kwargs", loss_json(a, c, model)},
      {"optimizer_kwargs", {{"class_name", "Adam"}, {"lr", t.lr}, {"betas", {0.9, 0.999}}, {"eps", 1e-8}}},
      {"augment_kwargs", c.pipeline.augment > 0 ? json{{"p", c.pipeline.augment}} : json(nullptr)},
      {"total_kimg", t.total_nimg / 1e3},
      {"ema_halflife_kimg", t.ema_halflife_nimg / 1e3},
      {"ema_rampup_ratio", t.ema_rampup_ratio},
      {"lr_rampup_kimg", t.lr_rampup_nimg / 1e3},
      {"lr_decay", t.lr_decay},
      {"batch_size", t.batch},
      {"batch_gpu", t.batch_gpu ? t.batch_gpu : t.batch},
      {"loss_scaling", t.loss_scaling},
      {"cudnn_benchmark", a.bench},
      {"amp", training::to_string(c.pipeline.precision)},
      {"channels_last", c.pipeline.channels_last},
      {"kimg_per_tick", t.tick_nimg / 1e3},
      {"snapshot_ticks", t.snap_ticks},
      {"state_dump_ticks", t.dump_ticks},
      {"seed", t.seed},
      {"device", device.str()},
      {"threads", threads},
      {"resume_state", a.resume},
      {"transfer", a.transfer},
      {"run_dir", t.outdir}};
}

namespace {
// Every rank judges its share of the images; rank 0 (group null or rank 0) prints and writes.
void quality_report(const TrainArgs& a, const training::TrainConfig& c, const data::ImageDataset& dataset,
                    const torch::Tensor& pixels, int64_t nfe, c10::Device device, training::RunLog& log,
                    distributed::ProcessGroup* group) {
  const bool lead = !group || group->rank() == 0;
  SampleReportOptions r;
  r.data = c.data;
  r.classifier = a.classifier;
  if (lead) r.reference = (fs::path(c.options.outdir) / "fd-reference.npz").string();
  r.device = device;
  r.count = c.fd_count;
  r.group = group;
  const auto report = sample_report(dataset, pixels.narrow(0, 0, c.fd_count), r,
                                    [&](const std::string& line) { log.say("%s", line.c_str()); });
  if (!lead) return;
  const auto& q = report.quality;
  if (report.classifier_accuracy >= 0)
    log.say("classifier %s: held-out accuracy %.4f\n", r.classifier.c_str(), report.classifier_accuracy);
  log.say("FD %.3f (held-out real images: %.3f) over %lld images in the features of %s\n"
          "classifier score %.3f (real: %.3f); confidently classified (p >= 0.9): %.1f%% of samples, %.1f%% of real images\n",
          q.samples.fd, q.floor.fd, (long long)q.count, r.classifier.c_str(), q.samples.score.mean, q.floor.score.mean,
          100 * q.samples.confident, 100 * q.floor.confident);
  const json j{{"fd", q.samples.fd}, {"fd_floor", q.floor.fd}, {"count", q.count},
               {"classifier_score", q.samples.score.mean}, {"classifier_score_floor", q.floor.score.mean},
               {"confident", q.samples.confident}, {"confident_floor", q.floor.confident},
               {"classifier", r.classifier}, {"reference", r.reference}, {"steps", c.sample_steps}, {"solver", samplers::to_string(c.sample_solver)}, {"nfe", nfe},
               {"amp", training::to_string(c.pipeline.precision)}};
  io::write_atomically((fs::path(c.options.outdir) / "quality.json").string(),
                       [&](std::ostream& f) { f << j.dump(2) << "\n"; });
}
}  // namespace

void sample_and_report(networks::Model& ema, const TrainArgs& a, const training::TrainConfig& c,
                       const data::ImageDataset& dataset, c10::Device device, training::RunLog& log,
                       distributed::ProcessGroup* group) {
  const bool lead = !group || group->rank() == 0;  // every rank samples its share; rank 0 reports
  // Seeds 0, 1, …: the grid's images are the first of the quality report's, whatever their number.
  const auto t1 = std::chrono::steady_clock::now();
  const auto& config = ema.config();
  samplers::SamplerOptions s;
  s.schedule = {static_cast<int>(c.sample_steps), config.sigma_min, config.sigma_max, 7};
  s.solver = c.sample_solver;
  s.batch = 64;
  const int64_t count = std::max(a.grid, c.fd_count);
  std::vector<int64_t> seeds(count);
  for (int64_t i = 0; i < count; ++i) seeds[i] = i;
  if (group) seeds = distributed::rank_items(count, s.batch, group->rank(), group->size());  // seed i is item i
  if (a.o.cond)
    s.class_labels = at::one_hot(torch::tensor(seeds, torch::kInt64) % dataset.label_dim, dataset.label_dim).to(at::kFloat);
  ema.eval();
  CountProgress progress("samples", "images");
  if (lead) s.progress = [&](int64_t done, int64_t total) { progress(done, total); };
  auto shape = config.sample_shape();
  shape.insert(shape.begin(), 0);
  const auto samples = [&] {  // a rank with no seeds (fewer images than ranks) has no images
    training::AutocastGuard autocast(device.type(), c.pipeline.precision);
    return seeds.empty() ? samplers::Samples{torch::zeros(shape), 0} : samplers::generate(ema, seeds, config.sample_shape(), s);
  }();
  end_progress();
  auto pixels = io::to_uint8(samples.x);
  if (group) pixels = distributed::gather_in_order(*group, pixels, count, s.batch);
  if (lead) {
    const std::string grid = (fs::path(c.options.outdir) / "samples.png").string();
    io::write_png(grid, io::image_grid(pixels.narrow(0, 0, a.grid)));
    const double sample_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    log.say("%lld samples (NFE %lld) in %.1f s\nsample grid: %s\n", (long long)count, (long long)samples.nfe, sample_s,
            grid.c_str());
  }
  if (c.fd_count > 0) quality_report(a, c, dataset, pixels, samples.nfe, device, log, group);
}

}  // namespace pfgm::cli
