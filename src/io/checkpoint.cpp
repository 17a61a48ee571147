#include "pfgm/io/checkpoint.h"

#include <set>
#include <sstream>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "pfgm/core/error.h"

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

}  // namespace pfgm::io
