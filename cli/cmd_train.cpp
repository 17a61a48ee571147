// `pfgm train`: PFGM++ (any D, or D = ∞: EDM) on an image dataset with the official train.py flags
// and run-directory layout (spec 5.1–5.8), then a grid of samples from the EMA network.
// `pfgm train` with no flags is the main job: Fashion-MNIST, D = 128, sized for a 2-core CPU.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "commands.h"
#include "run_control.h"
#include "sample_report.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/io/png.h"
#include "pfgm/networks/denoiser.h"
#include "pfgm/networks/presets.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/augment_pipe.h"
#include "pfgm/training/losses.h"
#include "pfgm/training/mixed_precision.h"
#include "pfgm/training/trainer.h"

namespace pfgm::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// train.py's defaults (spec 5.1); a preset's "training" entries replace them, flags replace both.
const json kOfficialTraining = {{"duration", 200.0}, {"batch", 512},    {"lr", 1e-3},  {"lr_rampup", 10.0},
                                {"ema", 0.5},        {"augment", 0.12}, {"tick", 50.0}, {"snap", 50},
                                {"dump", 50},        {"steps", 18},     {"fd", 0}};

struct TrainArgs {
  std::string preset, data, outdir = "runs", arch, precond = "edm", desc, name, resume, transfer, device = "auto";
  std::string aug_dim, amp = "fp32";
  bool channels_last = false;
  int pfgmpp = -1;  // -1: the preset's D
  bool cond = false, xflip = false, fp16 = false, nosubdir = false, dry_run = false, official_clip = false;
  bool bench = true, cache = true;
  int workers = 1;
  double duration = 0, lr = 0, lr_rampup = -1, ema = 0, dropout = -1, augment = -1, ls = 1, tick = 0;
  int64_t batch = 0, batch_gpu = 0, snap = -1, dump = -1, grid = 64, steps = 0, fd = -1;
  std::string classifier;
  int64_t cbase = 0, nblock = 0;
  std::vector<int64_t> cres;
  uint64_t seed = 0;
  int threads = 0;
};

// The official arch name of a model configuration (for the run directory).
std::string arch_name(const networks::ModelConfig& c) {
  if (c.model_type == "DhariwalUNet") return "adm";
  if (c.model_type == "SongUNet") return c.network.value("embedding_type", "positional") == "fourier" ? "ncsnpp" : "ddpmpp";
  return c.model_type;
}

// <outdir>/<next id>-<data>-<cond|uncond>-<arch>-<precond>-gpus1-batch<B>-<fp16|fp32>[-<desc>] (spec 5.1).
std::string run_directory(const TrainArgs& a, const std::string& data_name, const std::string& arch, int64_t batch,
                          bool fp16) {
  if (a.nosubdir) return a.outdir;
  if (!a.name.empty()) return (fs::path(a.outdir) / a.name).string();
  int next = 0;
  if (fs::is_directory(a.outdir))
    for (const auto& e : fs::directory_iterator(a.outdir)) {
      const auto n = e.path().filename().string();
      size_t digits = 0;
      while (digits < n.size() && std::isdigit(static_cast<unsigned char>(n[digits]))) ++digits;
      if (digits > 0 && digits < 10) next = std::max(next, std::stoi(n.substr(0, digits)) + 1);
    }
  char id[16];
  std::snprintf(id, sizeof id, "%05d", next);
  std::string d = std::string(id) + "-" + data_name + "-" + (a.cond ? "cond" : "uncond") + "-" + arch + "-" + a.precond +
                  "-gpus1-batch" + std::to_string(batch) + "-" + (fp16 ? "fp16" : "fp32");
  if (!a.desc.empty()) d += "-" + a.desc;
  return (fs::path(a.outdir) / d).string();
}

// Lines to stdout and, once the run directory exists, appended to its log.txt.
class RunLog {
 public:
  void open(const std::string& path) { file_ = std::fopen(path.c_str(), "a"); }
  ~RunLog() {
    if (file_) std::fclose(file_);
  }
  void say(const char* format, ...) __attribute__((format(printf, 2, 3))) {
    char line[2048];
    va_list args;
    va_start(args, format);
    std::vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (::isatty(2)) std::fprintf(stderr, "\r\033[K");  // clear the progress line
    std::fputs(line, stdout);
    std::fflush(stdout);
    if (file_) {
      std::fputs(line, file_);
      std::fflush(file_);
    }
  }

 private:
  std::FILE* file_ = nullptr;
};

std::string dataset_name(const std::string& path) {
  if (path == "fashion-mnist") return path;
  auto p = fs::path(path);
  if (!p.has_filename()) p = p.parent_path();
  return p.stem().string();
}

void run_train(TrainArgs a) {
  const int threads = core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  PFGM_CHECK(a.resume.empty() || fs::is_regular_file(a.resume), "[--resume] ", a.resume, ": no such file");
  PFGM_CHECK(a.transfer.empty() || fs::is_regular_file(a.transfer), "[--transfer] ", a.transfer, ": no such file");
  PFGM_CHECK(a.precond == "edm", "[--precond] ", a.precond, ": pfgm trains the EDM/PFGM++ preconditioning only, expected edm");
  PFGM_CHECK(a.preset.empty() || a.arch.empty(), "[--arch] give --preset or --arch, not both");
  at::globalContext().setBenchmarkCuDNN(a.bench);

  // Model and training defaults: a preset, or train.py's --arch configuration, or the main job.
  json config_json, tp = kOfficialTraining;
  std::string preset_name = a.preset;
  if (!a.arch.empty()) {
    PFGM_CHECK(a.arch == "ddpmpp" || a.arch == "ncsnpp" || a.arch == "adm", "[--arch] ", a.arch,
               ": expected ddpmpp, ncsnpp or adm");
    config_json = networks::preset_config(a.arch == "adm" ? "imagenet64-adm" : "cifar10-" + a.arch);
    config_json["label_dim"] = 0;
    config_json["dropout"] = 0.13;
    config_json["D"] = a.pfgmpp == 1 ? json(128) : json("inf");  // train.py: --pfgmpp off means EDM
  } else {
    if (preset_name.empty()) preset_name = "fashion-mnist";
    const auto& preset = networks::preset(preset_name);
    PFGM_CHECK(preset.config.value("precond", "") == "edm", "[--preset] ", preset_name,
               " is an original-PFGM network; pfgm train trains PFGM++ (pfgm toy trains both)");
    config_json = preset.config;
    tp.update(preset.training);
  }

  // Data (spec 6.2): images decoded once into memory; the network takes their size and labels.
  const std::string data = a.data.empty() ? tp.value("data", std::string()) : a.data;
  PFGM_CHECK(!data.empty(), "[--data] required for --preset ", preset_name, " (a dataset zip, folder or idx folder)");
  data::ImageDatasetOptions dopt;
  dopt.use_labels = a.cond;
  dopt.pad_to = config_json.value("img_resolution", int64_t{32});
  const auto dataset = data::load_image_dataset(data, dopt);
  const auto& images = dataset.images;
  config_json["img_resolution"] = images.size(2);
  config_json["img_channels"] = images.size(1);
  config_json["label_dim"] = a.cond ? dataset.label_dim : 0;

  // Official override flags.
  const double augment = a.augment >= 0 ? a.augment : tp.at("augment").get<double>();
  if (config_json.value("model_type", "") == "SongUNet" || config_json.value("model_type", "") == "DhariwalUNet")
    config_json["augment_dim"] = augment > 0 ? training::kAugmentDim : 0;
  if (a.cbase) config_json["model_channels"] = a.cbase;
  if (!a.cres.empty()) config_json["channel_mult"] = a.cres;
  if (a.nblock) config_json["num_blocks"] = a.nblock;
  if (a.dropout >= 0) config_json["dropout"] = a.dropout;
  if (a.fp16) config_json["use_fp16"] = true;
  if (a.pfgmpp == 1 && config_json["D"] == "inf") config_json["D"] = 128;
  if (!a.aug_dim.empty()) config_json["D"] = physics::parse_aug_dim(a.aug_dim, "--aug_dim");
  if (a.pfgmpp == 0) config_json["D"] = "inf";
  const auto config = networks::ModelConfig::from_json(config_json);

  training::TrainOptions t;
  const double duration = a.duration > 0 ? a.duration : tp.at("duration").get<double>();
  t.total_nimg = std::max<int64_t>(std::llround(duration * 1e6), 1);
  t.batch = a.batch ? a.batch : tp.at("batch").get<int64_t>();
  t.batch_gpu = a.batch_gpu;
  t.lr = a.lr > 0 ? a.lr : tp.at("lr").get<double>();
  t.lr_rampup_nimg = std::llround((a.lr_rampup >= 0 ? a.lr_rampup : tp.at("lr_rampup").get<double>()) * 1e6);
  t.ema_halflife_nimg = (a.ema > 0 ? a.ema : tp.at("ema").get<double>()) * 1e6;
  t.ema_rampup_ratio = a.transfer.empty() ? 0.05 : 0;  // --transfer: no EMA ramp-up (spec 5.7)
  t.loss_scaling = a.ls;
  t.tick_nimg = std::max<int64_t>(std::llround((a.tick > 0 ? a.tick : tp.at("tick").get<double>()) * 1e3), 1);
  t.snap_ticks = a.snap >= 0 ? a.snap : tp.at("snap").get<int64_t>();
  t.dump_ticks = a.dump >= 0 ? a.dump : tp.at("dump").get<int64_t>();
  const int64_t n = images.size(0);
  t.dataset_size = a.xflip ? 2 * n : n;
  t.seed = a.seed;
  t.outdir = run_directory(a, dataset_name(data), arch_name(config), t.batch, a.fp16);
  const int64_t grid_steps = a.steps ? a.steps : tp.at("steps").get<int64_t>();
  const int64_t fd_count = a.fd >= 0 ? a.fd : tp.at("fd").get<int64_t>();
  const std::string classifier =
      !a.classifier.empty() ? a.classifier
                            : (fs::path(a.nosubdir ? t.outdir : a.outdir) / ("classifier-" + dataset_name(data) + ".safetensors")).string();
  PFGM_CHECK(fd_count == 0 || dataset.labels.defined() || fs::exists(classifier), "[--fd] ", data,
             " has no labels to train the quality report's classifier on; give --classifier FILE or --fd 0");

  const json options{
      {"preset", preset_name},
      {"dataset_kwargs", {{"path", data}, {"name", dataset_name(data)}, {"images", n}, {"resolution", images.size(2)},
                          {"channels", images.size(1)}, {"use_labels", a.cond}, {"xflip", a.xflip}, {"cache", a.cache}}},
      {"data_loader_kwargs", {{"num_workers", a.workers}}},
      {"network_kwargs", config.to_json()},
      {"loss_kwargs", {{"D", physics::format_aug_dim(config.D)}, {"official_clip", a.official_clip},
                       {"P_mean", config.P_mean}, {"P_std", config.P_std}, {"sigma_data", config.sigma_data}}},
      {"optimizer_kwargs", {{"class_name", "Adam"}, {"lr", t.lr}, {"betas", {0.9, 0.999}}, {"eps", 1e-8}}},
      {"augment_kwargs", augment > 0 ? json{{"p", augment}} : json(nullptr)},
      {"total_kimg", t.total_nimg / 1e3},
      {"ema_halflife_kimg", t.ema_halflife_nimg / 1e3},
      {"ema_rampup_ratio", t.ema_rampup_ratio},
      {"lr_rampup_kimg", t.lr_rampup_nimg / 1e3},
      {"batch_size", t.batch},
      {"batch_gpu", t.batch_gpu ? t.batch_gpu : t.batch},
      {"loss_scaling", t.loss_scaling},
      {"cudnn_benchmark", a.bench},
      {"amp", a.amp},
      {"channels_last", a.channels_last},
      {"kimg_per_tick", t.tick_nimg / 1e3},
      {"snapshot_ticks", t.snap_ticks},
      {"state_dump_ticks", t.dump_ticks},
      {"seed", t.seed},
      {"device", device.str()},
      {"threads", threads},
      {"resume_state", a.resume},
      {"transfer", a.transfer},
      {"run_dir", t.outdir}};
  if (a.dry_run) {
    std::printf("Training options:\n%s\nDry run; exiting.\n", options.dump(2).c_str());
    return;
  }

  const auto precision = training::parse_precision(a.amp, "--amp");
  PFGM_CHECK(precision != training::Precision::FP16 || device.is_cuda(),
             "[--amp] fp16 autocast needs a CUDA device; use bf16 or fp32 on the CPU");
  torch::manual_seed(a.seed);
  auto net = std::make_shared<networks::Model>(config);
  net->to(device);
  if (a.channels_last) training::to_channels_last(*net);
  if (!a.transfer.empty()) {
    try {
      io::load_state_dict(*net, io::read_safetensors(a.transfer));
    } catch (const Error& e) {
      throw Error("[--transfer] " + a.transfer + ": " + e.what());
    }
  }
  const auto data_dev = images.to(device);
  const auto labels_dev = a.cond ? torch::one_hot(dataset.labels, dataset.label_dim).to(device, torch::kFloat32)
                                 : torch::Tensor();
  training::PFGMPPLoss l;
  l.kernel = {config.D, a.official_clip};
  l.sigma_dist = {config.P_mean, config.P_std};
  l.sigma_data = config.sigma_data;
  training::AugmentOptions aug;
  aug.p = augment;
  training::LossFn loss = [=](networks::Model& m, training::Batch& batch, int64_t count) {
    // Items ≥ n are the x-flipped copies (--xflip, spec 6.2).
    const auto idx = batch.indices(count).to(device);
    const auto item = idx.remainder(n);
    auto y = data::to_model_range(data_dev.index_select(0, item));
    if (a.xflip) y = torch::where((idx >= n).view({-1, 1, 1, 1}), y.flip({3}), y);
    torch::Tensor augment_labels;
    if (aug.p > 0) {
      // EDMLoss: the pipe augments the clean images, its labels condition the network (spec 5.5).
      auto r = training::augment(y, aug, batch.gen);
      y = r.images;
      augment_labels = r.labels;
    }
    if (a.channels_last) y = y.contiguous(at::MemoryFormat::ChannelsLast);
    training::AutocastGuard autocast(device.type(), precision);  // the forward pass only
    return l(m, y, batch.gen, a.cond ? labels_dev.index_select(0, item) : torch::Tensor(), augment_labels);
  };

  training::Trainer trainer(net, t, loss);
  if (!a.resume.empty()) trainer.load_state(a.resume);
  fs::create_directories(t.outdir);
  io::write_atomically((fs::path(t.outdir) / "training_options.json").string(),
                       [&](std::ostream& f) { f << options.dump(2) << "\n"; });
  RunLog log;
  log.open((fs::path(t.outdir) / "log.txt").string());
  int64_t params = 0;
  for (const auto& p : net->parameters()) params += p.numel();
  log.say("training %s (%lld parameters, D = %s) on %s: %lld images of %lldx%lldx%lld%s, %.1f kimg in batches of %lld, "
          "%s, %d threads\nrun directory: %s\n",
          config.model_type.c_str(), (long long)params, physics::format_aug_dim(config.D).c_str(), data.c_str(), (long long)n,
          (long long)images.size(1), (long long)images.size(2), (long long)images.size(3), a.xflip ? " (x-flipped too)" : "",
          t.total_nimg / 1e3, (long long)t.batch, device.str().c_str(), threads, t.outdir.c_str());
  const auto t0 = std::chrono::steady_clock::now();
  {
    StopOnSignal stop;
    trainer.run(
        [&](const training::Progress& p) {
          char img_s[48];
          std::snprintf(img_s, sizeof img_s, " (%.0f img/s)", p.steps_per_s * double(t.batch));
          print_progress(p, img_s);
          if (p.tick_end)
            log.say("tick %-5lld kimg %-9.1f time %-8s sec/tick %-7.1f sec/kimg %-7.2f maintenance %-5.1f cpumem %-5.2f loss %.4f\n",
                    (long long)p.tick, p.nimg / 1e3,
                    format_duration(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()).c_str(),
                    p.tick_s, p.tick_s / std::max(double(p.tick_nimg) / 1e3, 1e-9), p.maintenance_s,
                    p.cpu_mem_gb, p.loss);
        },
        [] { return StopOnSignal::requested(); });
    end_progress();
  }
  const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (StopOnSignal::requested()) {
    trainer.checkpoint();
    throw Error("[train] interrupted at kimg " + std::to_string(trainer.nimg() / 1000) + "; continue with --resume " +
                trainer.last_state());
  }

  // Samples from the EMA network: the grid, and with --fd the images the quality report judges
  // (seeds 0, 1, …: the grid's images are the first of them, whatever their number).
  const auto t1 = std::chrono::steady_clock::now();
  samplers::SamplerOptions s;
  s.schedule = {static_cast<int>(grid_steps), config.sigma_min, config.sigma_max, 7};
  s.batch = 64;
  const int64_t count = std::max(a.grid, fd_count);
  std::vector<int64_t> seeds(count);
  for (int64_t i = 0; i < count; ++i) seeds[i] = i;
  if (a.cond) s.class_labels = torch::one_hot(torch::arange(count) % dataset.label_dim, dataset.label_dim).to(torch::kFloat32);
  auto& ema = trainer.ema();
  ema.eval();
  const auto shape = std::vector<int64_t>(images.sizes().begin() + 1, images.sizes().end());
  const auto samples = samplers::generate(ema, seeds, shape, s);
  const auto pixels = io::to_uint8(samples.x);
  const std::string grid = (fs::path(t.outdir) / "samples.png").string();
  io::write_png(grid, io::image_grid(pixels.narrow(0, 0, a.grid)));
  const double sample_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  log.say("trained %.1f kimg (%lld steps) in %s; %lld samples (NFE %lld) in %.1f s\nsnapshot: %s\nrun directory: %s\n"
          "sample grid: %s\n",
          trainer.nimg() / 1e3, (long long)trainer.step(), format_duration(train_s).c_str(), (long long)count,
          (long long)samples.nfe, sample_s, trainer.last_snapshot().c_str(), t.outdir.c_str(), grid.c_str());
  if (fd_count > 0) {
    SampleReportOptions r;
    r.data = data;
    r.classifier = classifier;
    r.reference = (fs::path(t.outdir) / "fd-reference.npz").string();
    r.device = device;
    r.count = fd_count;
    const auto report = sample_report(dataset, pixels.narrow(0, 0, fd_count), r, [&](const std::string& line) {
      log.say("%s", line.c_str());
    });
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
                 {"classifier", r.classifier}, {"reference", r.reference}, {"steps", grid_steps}, {"nfe", samples.nfe}};
    io::write_atomically((fs::path(t.outdir) / "quality.json").string(), [&](std::ostream& f) { f << j.dump(2) << "\n"; });
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* c = app.add_subcommand("train", "train PFGM++ on images (default: the Fashion-MNIST main job), then a sample grid");
  c->add_option("--preset", a->preset, "model and training defaults (pfgm info --list; default fashion-mnist)");
  c->add_option("--data", a->data, "fashion-mnist, a dataset zip or folder (pfgm dataset), or a folder of idx files");
  c->add_option("--outdir", a->outdir, "where run directories go")->capture_default_str();
  c->add_option("--name", a->name, "run directory name (instead of the numbered one)");
  c->add_flag("--nosubdir", a->nosubdir, "use --outdir itself as the run directory");
  c->add_option("--desc", a->desc, "appended to the run directory name");
  c->add_option("--cond", a->cond, "class-conditional (needs dataset labels)");
  c->add_option("--arch", a->arch, "ddpmpp | ncsnpp | adm: train.py's network (instead of a preset)");
  c->add_option("--precond", a->precond, "edm (PFGM++ and EDM share it)")->capture_default_str();
  c->add_option("--pfgmpp", a->pfgmpp, "1: finite D (--aug_dim); 0: D = inf (EDM diffusion)")->check(CLI::Range(0, 1));
  c->add_option("--aug_dim", a->aug_dim, "D: any real > 0, or inf");
  c->add_option("--duration", a->duration, "training length in Mimg")->check(CLI::PositiveNumber);
  c->add_option("--batch", a->batch, "total batch size")->check(CLI::PositiveNumber);
  c->add_option("--batch-gpu", a->batch_gpu, "images per forward/backward round (gradient accumulation)")
      ->check(CLI::PositiveNumber);
  c->add_option("--cbase", a->cbase, "channel multiplier (model_channels)")->check(CLI::PositiveNumber);
  c->add_option("--cres", a->cres, "channels per resolution, e.g. 1,2,2")->delimiter(',');
  c->add_option("--nblock", a->nblock, "blocks per resolution")->check(CLI::PositiveNumber);
  c->add_option("--lr", a->lr, "learning rate")->check(CLI::PositiveNumber);
  c->add_option("--lr_rampup", a->lr_rampup, "learning-rate ramp-up in Mimg")->check(CLI::NonNegativeNumber);
  c->add_option("--ema", a->ema, "EMA half-life in Mimg")->check(CLI::PositiveNumber);
  c->add_option("--dropout", a->dropout, "dropout probability")->check(CLI::Range(0.0, 1.0));
  c->add_option("--augment", a->augment, "augment probability (0 disables the pipe)")->check(CLI::Range(0.0, 1.0));
  c->add_option("--xflip", a->xflip, "dataset x-flips (doubles the dataset)");
  c->add_option("--fp16", a->fp16, "float16 network on CUDA (use_fp16)");
  c->add_option("--amp", a->amp, "autocast of the forward pass: fp32 | bf16 | fp16 (fp16: CUDA only)")
      ->capture_default_str();
  c->add_option("--channels_last", a->channels_last, "channels-last (NHWC) weights and images");
  c->add_option("--ls", a->ls, "loss scaling (divided out of the gradients)")->check(CLI::PositiveNumber);
  c->add_option("--bench", a->bench, "cuDNN benchmarking");
  c->add_option("--cache", a->cache, "compatibility: the dataset is always decoded once into memory");
  c->add_option("--workers", a->workers, "compatibility: data already in memory needs no loader workers");
  c->add_option("--tick", a->tick, "progress interval in kimg")->check(CLI::PositiveNumber);
  c->add_option("--snap", a->snap, "network snapshot every this many ticks (0: at the end only)")->check(CLI::NonNegativeNumber);
  c->add_option("--dump", a->dump, "training state every this many ticks (0: at the end only)")->check(CLI::NonNegativeNumber);
  c->add_option("--seed", a->seed, "random seed")->capture_default_str();
  c->add_option("--transfer", a->transfer, "network snapshot to start from (no EMA ramp-up)");
  c->add_option("--resume", a->resume, "training-state-*.safetensors to continue bit-identically");
  c->add_flag("-n,--dry-run", a->dry_run, "print the training options and exit");
  c->add_flag("--official_clip", a->official_clip, "clip the Beta draw to [1e-3, 1-1e-3] as the official loss");
  c->add_option("--grid", a->grid, "samples in the final grid")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--steps", a->steps, "Heun steps for the grid (NFE = 2·steps − 1)")->check(CLI::PositiveNumber);
  c->add_option("--fd", a->fd, "samples judged after training: FD in a domain classifier's features, beside the "
                "floor of as many held-out images (0: off; main job 1000)")
      ->check(CLI::NonNegativeNumber)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  c->add_option("--classifier", a->classifier, "the classifier of --fd (default <outdir>/classifier-<data>.safetensors, "
                "trained on the dataset's labels when missing)");
  c->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  c->callback([a] { run_train(*a); });
}

}  // namespace pfgm::cli
