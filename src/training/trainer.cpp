#include "pfgm/training/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/io/checkpoint.h"

namespace pfgm::training {

struct Trainer::State {
  torch::optim::Adam optimizer;
  at::Generator gen;
  State(std::vector<torch::Tensor> params, double lr, uint64_t seed)
      : optimizer(std::move(params), torch::optim::AdamOptions(lr).betas({0.9, 0.999}).eps(1e-8)),
        gen(core::make_generator(seed)) {}
};

Trainer::Trainer(std::shared_ptr<networks::Model> net, const TrainOptions& options, LossFn loss)
    : net_(std::move(net)), options_(options), loss_(std::move(loss)) {
  PFGM_CHECK(options_.iters > 0, "[--iters] got ", options_.iters, ", expected > 0");
  PFGM_CHECK(options_.batch > 0, "[--batch] got ", options_.batch, ", expected > 0");
  PFGM_CHECK(options_.lr > 0, "[--lr] got ", options_.lr, ", expected > 0");
  ema_ = std::make_shared<networks::Model>(net_->config());
  const auto device = net_->parameters().front().device();
  ema_->to(device);
  {
    torch::NoGradGuard no_grad;
    auto src = io::state_dict(*net_), dst = io::state_dict(*ema_);
    for (size_t i = 0; i < src.size(); ++i) dst[i].second.copy_(src[i].second);
  }
  ema_->eval();
  for (auto& p : ema_->parameters()) p.set_requires_grad(false);
  state_ = std::make_unique<State>(net_->parameters(), options_.lr, options_.seed);
}

Trainer::~Trainer() = default;

void Trainer::train_step() {
  net_->train();
  auto& opt = state_->optimizer;
  opt.zero_grad();
  const auto loss = loss_(*net_, state_->gen);
  loss.mean().backward();
  // lr ramp-up (spec 5.3), counted so that the first step already moves.
  const double ramp = options_.lr_rampup > 0 ? std::min(1.0, double(step_ + 1) / options_.lr_rampup) : 1.0;
  for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(options_.lr * ramp);
  // Repair non-finite gradients as the reference does: nan → 0, ±inf → ±1e5.
  for (auto& p : net_->parameters())
    if (p.grad().defined()) torch::nan_to_num_(p.mutable_grad(), 0.0, 1e5, -1e5);
  opt.step();
  update_ema();
  loss_sum_ += loss.detach().mean().item<double>();
  ++loss_count_;
  ++step_;
}

void Trainer::update_ema() {
  // EDM (spec 5.4): β = 0.5^(batch / half-life), half-life ≤ ratio × samples seen before this step.
  const double nimg = double(step_) * options_.batch;
  double halflife = options_.ema_halflife;
  if (options_.ema_rampup_ratio > 0) halflife = std::min(halflife, nimg * options_.ema_rampup_ratio);
  const double beta = std::pow(0.5, options_.batch / std::max(halflife, 1e-8));
  torch::NoGradGuard no_grad;
  auto src = net_->parameters(), dst = ema_->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i].detach().lerp(dst[i], beta));
}

std::string Trainer::snapshot_name(const char* kind) const {
  char name[96];
  std::snprintf(name, sizeof name, "%s-%08lld.safetensors", kind, static_cast<long long>(step_));
  return (std::filesystem::path(options_.outdir) / name).string();
}

void Trainer::run(const std::function<void(const Progress&)>& on_progress, const std::function<bool()>& stop) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const int64_t first = step_;
  std::ofstream log;
  if (!options_.outdir.empty()) {
    std::filesystem::create_directories(options_.outdir);
    log.open(std::filesystem::path(options_.outdir) / "log.jsonl", std::ios::app);
    PFGM_CHECK(log.good(), "[train] ", options_.outdir, "/log.jsonl: cannot open for writing");
  }
  auto checkpoint = [&] {
    if (options_.outdir.empty()) return;
    io::save_model(snapshot_name("network-snapshot"), *ema_, {{"step", std::to_string(step_)}});
    save_state(snapshot_name("training-state"));
  };
  while (step_ < options_.iters) {
    train_step();
    const bool last = step_ == options_.iters;
    if (step_ % options_.log_every == 0 || last) {
      const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
      Progress p;
      p.step = step_;
      p.total = options_.iters;
      p.loss = loss_sum_ / std::max<int64_t>(loss_count_, 1);
      p.steps_per_s = (step_ - first) / std::max(elapsed, 1e-9);
      p.eta_s = (options_.iters - step_) / std::max(p.steps_per_s, 1e-9);
      loss_history_.emplace_back(step_, p.loss);
      loss_sum_ = 0;
      loss_count_ = 0;
      if (log.is_open()) {
        nlohmann::json j{{"step", p.step}, {"loss", p.loss}, {"steps_per_s", p.steps_per_s},
                         {"samples_per_s", p.steps_per_s * options_.batch}, {"elapsed_s", elapsed}};
        log << j.dump() << "\n" << std::flush;
      }
      if (on_progress) on_progress(p);
    }
    if ((options_.snapshot_every > 0 && step_ % options_.snapshot_every == 0) || last) checkpoint();
    if (stop && stop()) break;
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
  nlohmann::json meta{{"step", step_}, {"config", net_->config().to_json()}};
  io::write_safetensors(path, tensors, {{"training_state", meta.dump()}});
}

void Trainer::load_state(const std::string& path) {
  const auto file = io::read_safetensors(path);
  auto it = file.metadata.find("training_state");
  PFGM_CHECK(it != file.metadata.end(), "[--resume] ", path, ": not a pfgm training state (no 'training_state' metadata)");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(it->second);
    PFGM_CHECK(meta.contains("config") && meta.contains("step"), "missing keys");
  } catch (const std::exception& e) {
    throw Error("[--resume] " + path + ": corrupt training_state metadata (" + e.what() + ")");
  }
  const auto config = networks::ModelConfig::from_json(meta.at("config"));
  PFGM_CHECK(config.to_json() == net_->config().to_json(), "[--resume] ", path,
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
  step_ = meta.at("step").get<int64_t>();
}

}  // namespace pfgm::training
