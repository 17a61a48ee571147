// `pfgm train`: PFGM++ (any D, or D = ∞: EDM) on an image dataset with the official train.py flags
// and run-directory layout (spec 5.1–5.8), then a grid of samples from the EMA network.
// `pfgm train` with no flags is the main job: Fashion-MNIST, D = 128, sized for a 2-core CPU.
#include <filesystem>
#include <memory>

#include <torch/types.h>

#include "commands.h"
#include "flag_names.h"
#include "dist_flags.h"
#include "run_control.h"
#include "train_run.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/training/image_pipeline.h"
#include "pfgm/training/state_files.h"
#include "pfgm/training/training_driver.h"
#include "pfgm/io/input_file.h"

namespace pfgm::cli {

namespace fs = std::filesystem;

namespace {

std::shared_ptr<networks::Model> make_network(const TrainArgs& a, const training::TrainConfig& c,
                                              const networks::ModelConfig& config, c10::Device device) {
  at::manual_seed(a.o.seed);
  auto net = std::make_shared<networks::Model>(config);
  net->to(device);
  net->set_channels_last(c.pipeline.channels_last);
  if (!a.transfer.empty()) {
    try {
      io::load_state_dict(*net, io::read_safetensors(a.transfer));
    } catch (const Error& e) {
      throw Error("[--transfer] " + a.transfer + ": " + e.what());
    }
  }
  return net;
}

void run_train(TrainArgs a) {
  const int threads = core::configure_process(a.threads);
  const auto device = device_for_rank(core::parse_device(a.device));
  const auto group = join_group(a.dist, device);  // data-parallel over torchrun's / pfgm launch's processes
  a.world = group ? group->size() : 1;
  const bool lead = !group || group->rank() == 0;  // rank 0 alone writes and reports
  if (!a.resume.empty() && fs::is_directory(a.resume)) {  // requeue-friendly: continue the run in its folder
    a.outdir = a.resume;
    a.nosubdir = true;
    a.resume = training::newest_training_state(a.resume);
  }
  if (!a.resume.empty()) io::check_input_file(a.resume, "--resume");
  if (!a.transfer.empty()) io::check_input_file(a.transfer, "--transfer");
  PFGM_CHECK(a.precond == "edm", "[--precond] ", a.precond, ": pfgm trains the EDM/PFGM++ preconditioning only, "
             "expected edm (the original PFGM: --objective pfgm)");
  at::globalContext().setBenchmarkCuDNN(a.bench);
  a.o.transfer = !a.transfer.empty();
  auto c = training::resolve_train_config(a.o, device.type());

  // Data (spec 6.2): images decoded once into memory; the network takes their size and labels.
  data::ImageDatasetOptions dopt;
  dopt.use_labels = a.o.cond;
  dopt.pad_to = c.network.value("img_resolution", int64_t{32});
  const auto dataset = data::load_image_dataset(c.data, dopt);
  training::fit_pfgm_to_data(c, dataset);
  const auto config = training::model_config_for(c, dataset);
  c.options.dataset_size = training::pipeline_items(dataset, c.pipeline);
  PFGM_CHECK(!group || (!c.pfgm && !c.pipeline.stf), "[--objective/--stf] the original PFGM's large batch and STF's "
             "references are drawn per process: train them in one process");
  c.options.group = group.get();
  c.options.outdir = lead ? run_directory(a, c, config) : "";
  if (a.classifier.empty())
    a.classifier = (fs::path(a.outdir) / ("classifier-" + dataset_name(c.data) + ".safetensors")).string();
  PFGM_CHECK(c.fd_count == 0 || dataset.labels.defined() || fs::exists(a.classifier), "[--fd] ", c.data,
             " has no labels to train the quality report's classifier on; give --classifier FILE or --fd 0");
  const auto options = training_options_json(a, c, config, dataset, device, threads);
  if (a.dry_run) {
    if (!lead) return;
    std::printf("Training options:\n%s\nDry run; exiting.\n", options.dump(2).c_str());
    return;
  }

  auto net = make_network(a, c, config, device);
  training::Trainer trainer(net, c.options, training::image_loss(dataset, config, c.pipeline, device));
  int64_t params = 0;
  for (const auto& p : net->parameters()) params += p.numel();
  const auto& images = dataset.images;
  char header[1024];
  std::snprintf(header, sizeof header,
                "training %s (%lld parameters, D = %s) on %s: %lld images of %lldx%lldx%lld%s, %.1f kimg in batches "
                "of %lld, %s, %d threads\nrun directory: %s\n",
                networks::to_string(config.family).c_str(), (long long)params, physics::format_aug_dim(config.D).c_str(),
                c.data.c_str(), (long long)images.size(0), (long long)images.size(1), (long long)images.size(2),
                (long long)images.size(3), a.o.xflip ? " (x-flipped too)" : "", c.options.total_nimg / 1e3,
                (long long)c.options.batch, device.str().c_str(), threads, c.options.outdir.c_str());
  training::DriverOptions d;
  d.resume = a.resume;
  d.files["training_options.json"] = options.dump(2) + "\n";
  d.log_header = header;
  training::RunLog log;
  const auto r = training::drive(trainer, d, lead ? &log : nullptr, [&](const training::Progress& p) {
    if (!lead) return;
    char img_s[48];
    std::snprintf(img_s, sizeof img_s, " (%.0f img/s)", p.steps_per_s * double(c.options.batch));
    print_progress(p, img_s);
  });
  end_progress();
  if (!lead) {  // its share of the samples, then done
    PFGM_CHECK(!r.interrupted, "[train] rank ", group->rank(), " stopped with the others");
    return sample_and_report(trainer.ema(), a, c, dataset, device, log, group.get());
  }
  check_not_interrupted(r, trainer);
  log.say("trained %.1f kimg (%lld steps) in %s\nsnapshot: %s\nrun directory: %s\n", trainer.nimg() / 1e3,
          (long long)trainer.step(), format_duration(r.seconds).c_str(), trainer.last_snapshot().c_str(),
          c.options.outdir.c_str());
  sample_and_report(trainer.ema(), a, c, dataset, device, log, group.get());
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* c = app.add_subcommand("train", "train PFGM++ or PFGM on images (default: the Fashion-MNIST main job), then a "
                                       "sample grid");
  c->add_option("--preset", a->o.preset, "model and training defaults (pfgm info --list; default fashion-mnist)");
  c->add_option("--data", a->o.data, "fashion-mnist, a dataset zip or folder (pfgm dataset), or a folder of idx files");
  c->add_option("--outdir", a->outdir, "where run directories go")->capture_default_str();
  c->add_option("--name", a->name, "run directory name (instead of the numbered one)");
  c->add_flag("--nosubdir", a->nosubdir, "use --outdir itself as the run directory");
  c->add_option("--desc", a->desc, "appended to the run directory name");
  c->add_option("--cond", a->o.cond, "class-conditional (needs dataset labels)");
  c->add_option("--arch", a->o.arch, "ddpmpp | ncsnpp | adm: train.py's network (instead of a preset)");
  c->add_option("--precond", a->precond, "edm (PFGM++ and EDM share it)")->capture_default_str();
  c->add_option("--pfgmpp", a->o.pfgmpp, "1: finite D (--aug_dim); 0: D = inf (EDM diffusion)")->check(CLI::Range(0, 1));
  c->add_option("--aug_dim", a->o.aug_dim, "D: any real > 0, or inf");
  c->add_option("--duration", a->o.duration, "training length in Mimg")->check(CLI::PositiveNumber);
  c->add_option("--batch", a->o.batch, "total batch size")->check(CLI::PositiveNumber);
  c->add_option("--batch-gpu", a->o.batch_gpu, "images per forward/backward round (gradient accumulation)")
      ->check(CLI::PositiveNumber);
  c->add_option("--cbase", a->o.cbase, "channel multiplier (model_channels)")->check(CLI::PositiveNumber);
  c->add_option("--cres", a->o.cres, "channels per resolution, e.g. 1,2,2")->delimiter(',');
  c->add_option("--nblock", a->o.nblock, "blocks per resolution")->check(CLI::PositiveNumber);
  c->add_option("--lr", a->o.lr, "learning rate")->check(CLI::PositiveNumber);
  c->add_option("--lr_rampup", a->o.lr_rampup, "learning-rate ramp-up in Mimg")->check(CLI::NonNegativeNumber);
  c->add_option("--lr_decay", a->o.lr_decay, "share of the run at its end over which lr falls linearly to 0 (0: "
                "constant, as EDM; default the preset's)")->check(CLI::Range(0.0, 1.0));
  c->add_option("--ema", a->o.ema, "EMA half-life in Mimg")->check(CLI::PositiveNumber);
  c->add_option("--ema_rampup", a->o.ema_rampup, "EMA half-life at most this share of the images seen (EDM's "
                "ema_rampup_ratio; 0: off; default the preset's, else 0.05)")->check(CLI::NonNegativeNumber);
  c->add_option("--dropout", a->o.dropout, "dropout probability")->check(CLI::Range(0.0, 1.0));
  c->add_option("--augment", a->o.augment, "augment probability (0 disables the pipe)")->check(CLI::Range(0.0, 1.0));
  c->add_option("--xflip", a->o.xflip, "dataset x-flips (doubles the dataset)");
  c->add_option("--fp16", a->o.fp16, "float16 network on CUDA (use_fp16)");
  c->add_option("--amp", a->o.amp, "autocast of the network (training and samples): fp32 | bf16 | fp16 | auto (fp16: "
                "CUDA only; auto: bf16 on CUDA and on CPUs with AMX, else fp32; default the preset's, fp32 for --arch)");
  c->add_option("--channels_last", a->o.channels_last, "0 | 1: channels-last (NHWC) weights and images (default the "
                "preset's)")->check(CLI::Range(0, 1));
  c->add_option("--ls", a->o.ls, "loss scaling (divided out of the gradients)")->check(CLI::PositiveNumber);
  c->add_option("--bench", a->bench, "cuDNN benchmarking");
  c->add_option("--cache", a->cache, "compatibility: the dataset is always decoded once into memory");
  c->add_option("--workers", a->workers, "compatibility: data already in memory needs no loader workers");
  c->add_option("--tick", a->o.tick, "progress interval in kimg")->check(CLI::PositiveNumber);
  c->add_option("--snap", a->o.snap, "network snapshot every this many ticks (0: at the end only)")->check(CLI::NonNegativeNumber);
  c->add_option("--dump", a->o.dump, "training state every this many ticks (0: at the end only)")->check(CLI::NonNegativeNumber);
  c->add_option("--keep", a->o.keep, "keep only the newest this many training states (0: all)")->check(CLI::NonNegativeNumber);
  c->add_option("--seed", a->o.seed, "random seed")->capture_default_str();
  c->add_option("--transfer", a->transfer, "network snapshot to start from (no EMA ramp-up)");
  add_dist_flags(c, a->dist);
  c->add_option("--resume", a->resume, "training-state-*.safetensors to continue bit-identically, or a run "
                "directory: continue in it from its newest state that loads");
  c->add_flag("-n,--dry-run", a->dry_run, "print the training options and exit");
  c->add_flag("--official_clip", a->o.official_clip, "clip the Beta draw to [1e-3, 1-1e-3] as the official loss");
  add_objective_train_flags(c, a->o);
  c->add_option("--grid", a->grid, "samples in the final grid")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--steps", a->o.steps, "solver steps of the samples after training (Heun NFE = 2·steps − 1, Euler "
                "NFE = steps)")->check(CLI::PositiveNumber);
  c->add_option("--solver", a->o.solver, "heun | euler (PFGM also rk45): their solver (default the preset's)");
  c->add_option("--fd", a->o.fd, "samples judged after training: FD in a domain classifier's features, beside the "
                "floor of as many held-out images (0: off; main job 1000)")
      ->check(CLI::NonNegativeNumber)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  c->add_option("--classifier", a->classifier, "the classifier of --fd (default <outdir>/classifier-<data>.safetensors, "
                "trained on the dataset's labels when missing)");
  c->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  name_fields(c, {{"total_nimg", "--duration"}, {"batch_gpu", "--batch-gpu"}, {"loss_scaling", "--ls"},
                  {"tick_nimg", "--tick"}, {"use_labels", "--cond"}, {"precision", "--amp"}});
  c->callback([a] { run_train(*a); });
}

}  // namespace pfgm::cli
