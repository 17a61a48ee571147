#include "pfgm/io/checkpoint.h"

#include <set>
#include <sstream>

#include <torch/torch.h>

#include "pfgm/core/error.h"
#include "pfgm/networks/layers/weight_init.h"

namespace pfgm::io {

namespace {
// PyTorch's state_dict order: a module's own parameters, then its own buffers, then its children.
void collect(const torch::nn::Module& module, const std::string& prefix, NamedTensors& out) {
  for (const auto& p : module.named_parameters(false)) out.emplace_back(prefix + p.key(), p.value());
  for (const auto& b : module.named_buffers(false)) out.emplace_back(prefix + b.key(), b.value());
  for (const auto& c : module.named_children()) collect(*c.value(), prefix + c.key() + ".", out);
}
}  // namespace

NamedTensors state_dict(const torch::nn::Module& module, const std::string& prefix) {
  NamedTensors out;
  collect(module, prefix, out);
  return out;
}

void load_state_dict(torch::nn::Module& module, const SafetensorsFile& file, const std::string& prefix) {
  std::vector<std::string> problems;
  std::set<std::string> used;
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : state_dict(module, prefix)) {
    const torch::Tensor* t = file.find(name);
    if (!t) {
      problems.push_back("missing " + name);
      continue;
    }
    used.insert(name);
    if (t->sizes() != target.sizes() || t->scalar_type() != target.scalar_type()) {
      std::ostringstream s;
      s << name << " has " << t->scalar_type() << t->sizes() << ", expected " << target.scalar_type() << target.sizes();
      problems.push_back(s.str());
      continue;
    }
    target.copy_(*t);
  }
  for (const auto& [name, t] : file.tensors)
    if (name.rfind(prefix, 0) == 0 && !used.count(name)) problems.push_back("unexpected " + name);
  if (problems.empty()) return;
  std::string msg = "[checkpoint] " + file.source + ": ";
  for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
  throw Error(msg);
}

void save_model(const std::string& path, const networks::Model& model, const std::map<std::string, std::string>& extra) {
  auto meta = extra;
  meta["config"] = model.config().to_json().dump();
  write_safetensors(path, state_dict(model), meta);
}

std::shared_ptr<networks::Model> load_model(const std::string& path) {
  const auto file = read_safetensors(path);
  auto it = file.metadata.find("config");
  PFGM_CHECK(it != file.metadata.end(), "[checkpoint] ", path, ": no 'config' in the metadata; not a pfgm model file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    throw Error("[checkpoint] " + path + ": config is not valid JSON (" + e.what() + ")");
  }
  auto model = [&] {
    networks::layers::SkipInit skip;  // every weight is loaded below
    return std::make_shared<networks::Model>(networks::ModelConfig::from_json(j));
  }();
  load_state_dict(*model, file);
  return model;
}

}  // namespace pfgm::io
