// `pfgm info`: a model's module tree, parameter count and FLOPs per forward, for a named preset,
// a config file or a checkpoint.
#include <cstdio>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include "commands.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/flop_counter.h"
#include "pfgm/networks/presets.h"

namespace pfgm::cli {

namespace {

struct InfoArgs {
  std::string preset, config, checkpoint;
  std::vector<std::string> verify;
  bool keys = false, list = false, json = false;
  int depth = 2;
};

int64_t count_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

std::string short_type(const torch::nn::Module& m) {
  auto name = m.name();
  const auto colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}

void print_tree(const torch::nn::Module& m, const std::string& prefix, int depth) {
  for (const auto& child : m.named_children()) {
    const auto& c = *child.value();
    std::printf("  %-40s %-18s %12lld\n", (prefix + child.key()).c_str(), short_type(c).c_str(),
                static_cast<long long>(count_parameters(c)));
    if (depth > 1) print_tree(c, prefix + child.key() + ".", depth - 1);
  }
}

// PyTorch's tuple notation: "(3, 4)", "(5,)".
std::string shape_string(const torch::Tensor& t) {
  std::string s = "(";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + (t.dim() == 1 ? ",)" : ")");
}

// FLOPs of one forward pass of the inner network at batch 1 (2 per multiply-add).
int64_t forward_flops(networks::Model& model) {
  const auto& c = model.config();
  at::NoGradGuard no_grad;
  model.eval();
  auto shape = c.sample_shape();
  shape.insert(shape.begin(), 1);
  const auto x = torch::randn(shape);
  networks::FlopCounter counter;
  if (c.precond == networks::Precond::PFGM) model.field(x, torch::ones({1}));
  else model.denoise(x, torch::ones({1}));
  return counter.flops();
}

// Reads every file in full: a model file must build its network and load, any other safetensors
// file (a training state, reference statistics) must pass the format's checks.
void verify_files(const std::vector<std::string>& files) {
  for (const auto& f : files) {
    const auto file = io::read_safetensors(f);
    if (file.metadata.count("config")) networks::load_model(f);
    std::printf("ok %s (%zu tensors%s)\n", f.c_str(), file.tensors.size(),
                file.metadata.count("config") ? ", a model" : file.metadata.count("training_state") ? ", a training state" : "");
  }
}

void run_info(const InfoArgs& a) {
  if (!a.verify.empty()) return verify_files(a.verify);
  if (a.list) {
    for (const auto& p : networks::presets()) std::printf("%-20s %s\n", p.name.c_str(), p.description.c_str());
    return;
  }
  PFGM_CHECK(!a.preset.empty() + !a.config.empty() + !a.checkpoint.empty() == 1,
             "[info] give exactly one of PRESET, --config FILE or --checkpoint FILE (--list shows the presets)");
  core::configure_process(0);
  std::shared_ptr<networks::Model> model;
  if (!a.checkpoint.empty()) {
    model = networks::load_model(a.checkpoint);
  } else {
    nlohmann::json j;
    if (!a.preset.empty()) {
      j = networks::preset_config(a.preset);
    } else {
      std::ifstream in(a.config);
      PFGM_CHECK(in, "[info] --config ", a.config, ": cannot open");
      try {
        j = nlohmann::json::parse(in);
      } catch (const nlohmann::json::exception& e) {
        throw Error("[info] --config " + a.config + ": not valid JSON (" + e.what() + ")");
      }
    }
    at::manual_seed(0);
    try {
      model = std::make_shared<networks::Model>(networks::ModelConfig::from_json(j));
    } catch (const Error& e) {
      throw Error("[info] " + (a.config.empty() ? "preset " + a.preset : "--config " + a.config) + ": " + e.what());
    }
  }
  if (a.keys) {
    for (const auto& [name, t] : io::state_dict(*model)) std::printf("%s %s\n", name.c_str(), shape_string(t).c_str());
    return;
  }
  const int64_t params = count_parameters(*model);
  const int64_t flops = forward_flops(*model);
  const auto& c = model->config();
  if (a.json) {
    nlohmann::json j{{"config", c.to_json()}, {"parameters", params}, {"flops_per_forward", flops},
                     {"tensors", io::state_dict(*model).size()}};
    std::puts(j.dump().c_str());
    return;
  }
  std::printf("model       %s (%s), N = %lld\n", networks::to_string(c.family).c_str(), networks::to_string(c.precond).c_str(),
              static_cast<long long>(c.N));
  std::printf("config      %s\n", c.to_json().dump().c_str());
  std::printf("parameters  %lld (%.2fM)\n", static_cast<long long>(params), params / 1e6);
  std::printf("tensors     %zu in the state_dict (parameters and buffers)\n", io::state_dict(*model).size());
  std::printf("FLOPs       %.3f G per image and forward (2 per multiply-add: convolutions, linear layers, attention)\n",
              flops / 1e9);
  std::printf("modules     %-40s %-18s %12s\n", "name", "type", "parameters");
  print_tree(*model->model, "model.", a.depth);
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto a = std::make_shared<InfoArgs>();
  auto* c = app.add_subcommand("info", "a model's module tree, parameter count and FLOPs (preset, config or checkpoint)");
  c->add_option("preset", a->preset, "a preset name, <data>-<arch> (see --list)");
  c->add_option("--config", a->config, "a model config JSON file")->check(CLI::ExistingFile);
  c->add_option("--checkpoint", a->checkpoint, "a pfgm model file (.safetensors)")->check(CLI::ExistingFile);
  c->add_flag("--list", a->list, "list the presets");
  c->add_option("--verify", a->verify, "safetensors files to read in full (models also built and loaded); "
                "exits non-zero at the first that fails");
  c->add_flag("--keys", a->keys, "print the state_dict: one 'name (shape)' line per tensor");
  c->add_option("--depth", a->depth, "levels of the module tree")->check(CLI::Range(1, 8))->capture_default_str();
  c->add_flag("--json", a->json, "one JSON line: config, parameters, FLOPs");
  c->callback([a] { run_info(*a); });
}

}  // namespace pfgm::cli
