#include "pfgm/training/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/training/state_files.h"
#include "pfgm/io/output_folder.h"

namespace pfgm::training {

namespace {
double resident_gb() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1 << 30);
}
nlohmann::json scalar_stat(double v) { return {{"num", 1}, {"mean", v}, {"std", 0.0}}; }
}  // namespace

struct Trainer::State {
  torch::optim::Adam optimizer;
  at::Generator gen;
  data::InfiniteSampler sampler;
  State(std::vector<torch::Tensor> params, double lr, uint64_t seed, int64_t dataset_size)
      : optimizer(std::move(params), torch::optim::AdamOptions(lr).betas({0.9, 0.999}).eps(1e-8)),
        gen(core::make_generator(seed)) {
    if (dataset_size > 0) sampler = data::InfiniteSampler(dataset_size, gen);
  }
};

Trainer::Trainer(std::shared_ptr<networks::Model> net, const TrainOptions& options, LossFn loss)
    : net_(std::move(net)), options_(options), loss_(std::move(loss)) {
  auto& o = options_;
  PFGM_CHECK(o.total_nimg > 0, "[total_nimg] got ", o.total_nimg, " images, expected > 0");
  PFGM_CHECK(o.batch > 0, "[batch] got ", o.batch, ", expected > 0");
  const int64_t world = o.group ? o.group->size() : 1;
  PFGM_CHECK(o.batch % world == 0, "[batch] ", o.batch, " does not split over ", world, " processes");
  if (o.batch_gpu <= 0 || o.batch_gpu > o.batch / world) o.batch_gpu = o.batch / world;
  PFGM_CHECK(o.batch % (o.batch_gpu * world) == 0, "[batch_gpu] ", o.batch_gpu, " per process does not divide the batch ",
             o.batch, " over ", world, " processes");
  PFGM_CHECK(o.lr > 0, "[lr] got ", o.lr, ", expected > 0");
  PFGM_CHECK(o.lr_decay >= 0 && o.lr_decay <= 1, "[lr_decay] got ", o.lr_decay, ", expected a share in [0, 1]");
  PFGM_CHECK(o.loss_scaling > 0, "[loss_scaling] got ", o.loss_scaling, ", expected > 0");
  PFGM_CHECK(o.tick_nimg > 0, "[tick_nimg] got ", o.tick_nimg, " images, expected > 0");
  if (o.group) {  // every rank starts from rank 0's weights (DDP's _sync_module_states)
    std::vector<torch::Tensor> tensors;
    for (const auto& [name, t] : io::state_dict(*net_)) tensors.push_back(t);
    distributed::broadcast_tensors(*o.group, tensors);
    sync_ = std::make_unique<distributed::GradientSync>(*o.group, net_->parameters());
  }
  ema_ = std::make_shared<networks::Model>(net_->config());
  ema_->to(net_->parameters().front().device());
  ema_->set_channels_last(net_->channels_last());
  {
    at::NoGradGuard no_grad;
    auto src = io::state_dict(*net_), dst = io::state_dict(*ema_);
    for (size_t i = 0; i < src.size(); ++i) dst[i].second.copy_(src[i].second);
  }
  ema_->eval();
  for (auto& p : ema_->parameters()) p.set_requires_grad(false);
  state_ = std::make_unique<State>(net_->parameters(), o.lr, o.seed, o.dataset_size);
}

Trainer::~Trainer() = default;

double learning_rate(const TrainOptions& o, int64_t nimg) {
  // Ramp-up (spec 5.3) counted with this step's images (the reference's first step has lr = 0).
  const double ramp = o.lr_rampup_nimg > 0 ? std::min(1.0, double(nimg + o.batch) / double(o.lr_rampup_nimg)) : 1.0;
  // Decay over the last lr_decay of the run; its last step still moves.
  const double decay =
      o.lr_decay > 0 ? std::min(1.0, double(o.total_nimg - nimg) / (o.lr_decay * double(o.total_nimg))) : 1.0;
  return o.lr * ramp * decay;
}

int64_t Trainer::total_steps() const { return (options_.total_nimg + options_.batch - 1) / options_.batch; }

torch::Tensor Batch::indices(int64_t count) {
  const int64_t own = items.defined() ? std::min<int64_t>(count, items.size(0)) : 0;
  if (own == count) return items.narrow(0, 0, count);
  const auto more = sampler.next(count - own, gen);
  return own ? torch::cat({items.narrow(0, 0, own), more}) : more;
}

std::vector<at::Generator> Batch::item_generators(int64_t count) const {
  std::vector<int64_t> keys;
  for (int64_t j = 0; j < count; ++j) keys.push_back(first_item + j);
  core::SeedStreams streams(keys, seed + 1);  // stream seed + 1: never the seed's own stream 0
  std::vector<at::Generator> gens;
  for (int64_t j = 0; j < count; ++j) gens.push_back(streams[j]);
  return gens;
}

void Trainer::train_step() {
  const auto& o = options_;
  net_->train();
  auto& opt = state_->optimizer;
  opt.zero_grad();
  const int64_t world = o.group ? o.group->size() : 1, rank = o.group ? o.group->rank() : 0;
  const int64_t share = o.batch / world, rounds = share / o.batch_gpu;
  const auto step_items = state_->sampler.next(o.batch, state_->gen);  // the global batch, the same on every rank
  torch::Tensor moments = torch::zeros({3}, torch::kFloat64);          // the step's loss elements: count, sum, sum²
  // Rounds of batch_gpu with accumulated gradients; backward of loss.sum()·ls / (batch / ranks),
  // the ranks' average then making it the batch's mean (spec 5.2).
  for (int64_t round = 0; round < rounds; ++round) {
    const int64_t offset = rank * share + round * o.batch_gpu;
    Batch batch{state_->sampler, state_->gen, step_items.narrow(0, offset, o.batch_gpu), nimg_ + offset, o.seed};
    const bool sync = sync_ && round == rounds - 1;  // DDP's no_sync on the other rounds
    if (sync) sync_->before_forward();
    const auto loss = loss_(*net_, batch, o.batch_gpu);
    if (sync) sync_->before_backward();
    try {
      (loss.sum() * (o.loss_scaling / static_cast<double>(share))).backward();
    } catch (const std::exception& e) {
      if (o.group) o.group->fail("the backward pass", e.what());  // a rank lost during the gradient average
      throw;
    }
    const auto l = loss.detach().to(torch::kFloat64);
    moments += torch::stack({torch::scalar_tensor(double(l.numel()), torch::kFloat64), l.sum(), l.square().sum()}).cpu();
  }
  if (o.group) o.group->allreduce_sum(moments);  // the tick's statistics cover every rank's items
  loss_n_ += moments[0].item<double>();
  loss_sum_ += moments[1].item<double>();
  loss_sum2_ += moments[2].item<double>();
  for (auto& group : opt.param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(learning_rate(o, nimg_));
  for (auto& p : net_->parameters()) {
    if (!p.grad().defined()) continue;
    if (o.loss_scaling != 1) p.mutable_grad().div_(o.loss_scaling);  // undo --ls (the reference never does)
    torch::nan_to_num_(p.mutable_grad(), 0.0, 1e5, -1e5);            // nan → 0, ±inf → ±1e5
  }
  if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(net_->parameters(), o.grad_clip);
  opt.step();
  update_ema();
  nimg_ += o.batch;
  ++step_;
}

void Trainer::update_ema() {
  // EDM (spec 5.4): β = 0.5^(batch / half-life), half-life ≤ ratio × images seen before this step.
  // score_sde (spec 7.6): β = min(rate, (1 + n)/(10 + n)) at the n-th update.
  double halflife = options_.ema_halflife_nimg;
  if (options_.ema_rampup_ratio > 0) halflife = std::min(halflife, double(nimg_) * options_.ema_rampup_ratio);
  const double n = double(step_ + 1);
  const double beta = options_.ema_rate > 0 ? std::min(options_.ema_rate, (1 + n) / (10 + n))
                                            : std::pow(0.5, double(options_.batch) / std::max(halflife, 1e-8));
  at::NoGradGuard no_grad;
  auto src = net_->parameters(), dst = ema_->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i].detach().lerp(dst[i], beta));
}

std::string Trainer::file_name(const char* kind) const {
  char name[96];
  std::snprintf(name, sizeof name, "%s-%06lld.safetensors", kind, static_cast<long long>(nimg_ / 1000));
  return (std::filesystem::path(options_.outdir) / name).string();
}

void Trainer::save_snapshot() {
  last_snapshot_ = file_name("network-snapshot");
  networks::save_model(last_snapshot_, *ema_, {{"kimg", std::to_string(nimg_ / 1000)}, {"step", std::to_string(step_)}});
}

void Trainer::save_training_state() {
  last_state_ = file_name("training-state");
  save_state(last_state_);
  prune_training_states(options_.outdir, options_.keep_states);
}

void Trainer::checkpoint() {
  if (options_.outdir.empty()) return;
  save_snapshot();
  save_training_state();
}

void Trainer::end_tick(int64_t tick, int64_t tick_images, double total_s, double tick_s, double maintenance_s) {
  const double mean = loss_sum_ / std::max(loss_n_, 1.0);
  loss_history_.emplace_back(step_, mean);
  if (!options_.outdir.empty()) {
    // One JSON object per tick with the reference's statistic names (spec 5.6).
    const double kimg = double(nimg_) / 1e3;
    nlohmann::json j{
        {"Loss/loss", {{"num", loss_n_}, {"mean", mean}, {"std", std::sqrt(std::max(loss_sum2_ / std::max(loss_n_, 1.0) - mean * mean, 0.0))}}},
        {"Progress/tick", scalar_stat(double(tick))},
        {"Progress/kimg", scalar_stat(kimg)},
        {"Progress/step", scalar_stat(double(step_))},
        {"Timing/total_sec", scalar_stat(total_s)},
        {"Timing/sec_per_tick", scalar_stat(tick_s)},
        {"Timing/sec_per_kimg", scalar_stat(tick_s / std::max(double(tick_images) / 1e3, 1e-9))},
        {"Timing/maintenance_sec", scalar_stat(maintenance_s)},
        {"Resources/cpu_mem_gb", scalar_stat(resident_gb())},
        {"timestamp", static_cast<double>(std::time(nullptr))}};
    std::ofstream f(std::filesystem::path(options_.outdir) / "stats.jsonl", std::ios::app);
    PFGM_CHECK(f.good(), "[train] ", options_.outdir, "/stats.jsonl: cannot open for writing");
    f << j.dump() << "\n";
  }
  loss_n_ = loss_sum_ = loss_sum2_ = 0;
}

void Trainer::run(const std::function<void(const Progress&)>& on_progress, const std::function<bool()>& stop) {
  using clock = std::chrono::steady_clock;
  const auto& o = options_;
  PFGM_CHECK(state_->sampler.size() > 0, "[train] TrainOptions.dataset_size must be set");
  if (!o.outdir.empty()) io::make_output_folder(o.outdir, "outdir");
  const auto start = clock::now();
  auto tick_start = start;
  const int64_t first_step = step_;
  double maintenance_s = 0;
  while (nimg_ < o.total_nimg) {
    train_step();
    const bool done = nimg_ >= o.total_nimg;
    const auto now = clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    Progress p;
    p.step = step_;
    p.total_steps = total_steps();
    p.nimg = nimg_;
    p.total_nimg = o.total_nimg;
    p.tick = tick_;
    p.loss = loss_sum_ / std::max(loss_n_, 1.0);
    p.steps_per_s = double(step_ - first_step) / std::max(elapsed, 1e-9);
    p.eta_s = double(p.total_steps - step_) / std::max(p.steps_per_s, 1e-9);
    // Tick 0 ends after the first step, later ticks every tick_nimg images (spec 5.6).
    if (done || tick_ == 0 || nimg_ >= tick_start_nimg_ + o.tick_nimg) {
      // The tick `ended` is over; counters move on before anything is saved, so a training state
      // written here resumes with the same tick boundaries.
      const int64_t ended = tick_++;
      p.tick_nimg = nimg_ - tick_start_nimg_;
      tick_start_nimg_ = nimg_;
      p.tick = ended;
      p.tick_end = true;
      p.tick_s = std::chrono::duration<double>(now - tick_start).count();
      p.maintenance_s = maintenance_s;
      p.cpu_mem_gb = resident_gb();
      // The tick's stats line before its files: a state on disk implies its line is, so that a
      // resume (which rewinds stats.jsonl to the state, state_files.h) keeps every tick once.
      end_tick(ended, p.tick_nimg, elapsed, p.tick_s, maintenance_s);
      const auto m0 = clock::now();
      if (!o.outdir.empty() && (ended != 0 || done)) {
        if (done || (o.snap_ticks > 0 && ended % o.snap_ticks == 0)) save_snapshot();
        if (done || (o.dump_ticks > 0 && ended % o.dump_ticks == 0)) save_training_state();
      }
      if (on_progress) on_progress(p);
      tick_start = clock::now();
      maintenance_s = std::chrono::duration<double>(tick_start - m0).count();
    } else if (on_progress) {
      on_progress(p);
    }
    bool stopping = !done && stop && stop();
    if (o.group && !done) {  // every rank stops after the same step, when any was asked to
      auto any = torch::tensor({stopping ? 1.0 : 0.0}, torch::kFloat64);
      o.group->allreduce_sum(any);
      stopping = any.item<double>() > 0;
    }
    if (stopping) break;
  }
}

void Trainer::save_state(const std::string& path) const {
  io::NamedTensors tensors = io::state_dict(*net_, "net.");
  for (auto& t : io::state_dict(*ema_, "ema.")) tensors.push_back(t);
  auto& opt = state_->optimizer;
  const auto params = net_->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    auto it = opt.state().find(params[i].unsafeGetTensorImpl());
    if (it == opt.state().end()) continue;
    auto& s = static_cast<torch::optim::AdamParamState&>(*it->second);
    const std::string key = "adam." + std::to_string(i) + ".";
    tensors.emplace_back(key + "exp_avg", s.exp_avg());
    tensors.emplace_back(key + "exp_avg_sq", s.exp_avg_sq());
    tensors.emplace_back(key + "step", torch::tensor({s.step()}, torch::kInt64));
  }
  tensors.emplace_back("rng", state_->gen.get_state());
  tensors.emplace_back("data_sampler", state_->sampler.state());
  nlohmann::json meta{{"step", step_}, {"nimg", nimg_}, {"tick", tick_}, {"tick_start_nimg", tick_start_nimg_}, {"config", net_->config().to_json()}};
  io::write_safetensors(path, tensors, {{"training_state", meta.dump()}});
}

void Trainer::load_state(const std::string& path) {
  const auto file = io::read_safetensors(path);
  auto it = file.metadata.find("training_state");
  PFGM_CHECK(it != file.metadata.end(), "[resume] ", path, ": not a pfgm training state (no 'training_state' metadata)");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(it->second);
    PFGM_CHECK(meta.contains("config") && meta.contains("step") && meta.contains("nimg"), "missing keys");
  } catch (const std::exception& e) {
    throw Error("[resume] " + path + ": corrupt training_state metadata (" + e.what() + ")");
  }
  const auto config = networks::ModelConfig::from_json(meta.at("config"));
  PFGM_CHECK(config.to_json() == net_->config().to_json(), "[resume] ", path,
             ": the state belongs to another model configuration: ", meta.at("config").dump());
  io::load_state_dict(*net_, file, "net.");
  io::load_state_dict(*ema_, file, "ema.");
  auto& opt = state_->optimizer;
  const auto params = net_->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string key = "adam." + std::to_string(i) + ".";
    const torch::Tensor* m = file.find(key + "exp_avg");
    if (!m) continue;
    auto s = std::make_unique<torch::optim::AdamParamState>();
    s->exp_avg(m->to(params[i].device()).clone());
    s->exp_avg_sq(file.at(key + "exp_avg_sq").to(params[i].device()).clone());
    s->step(file.at(key + "step")[0].item<int64_t>());
    opt.state()[params[i].unsafeGetTensorImpl()] = std::move(s);
  }
  state_->gen.set_state(file.at("rng"));
  if (state_->sampler.size() > 0) state_->sampler.set_state(file.at("data_sampler"));
  step_ = meta.at("step").get<int64_t>();
  nimg_ = meta.at("nimg").get<int64_t>();
  tick_ = meta.value("tick", int64_t{0});
  tick_start_nimg_ = meta.value("tick_start_nimg", nimg_);
}

}  // namespace pfgm::training
