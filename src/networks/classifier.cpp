#include "pfgm/networks/classifier.h"

#include <cmath>
#include <sstream>

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/io/pixels.h"
#include "pfgm/io/safetensors.h"

namespace pfgm::networks {

namespace {

bool is_power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

std::string shape_string(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes() << " " << t.scalar_type();
  return s.str();
}

// LeCun-uniform weights (variance 1/fan_in), zero biases, from `gen`.
void init_weight(torch::Tensor& w, torch::Tensor& b, at::Generator& gen) {
  at::NoGradGuard no_grad;
  const double fan_in = static_cast<double>(w.numel() / w.size(0));
  const double bound = std::sqrt(3.0 / fan_in);
  w.uniform_(-bound, bound, gen);
  b.zero_();
}

torch::nn::Conv2dImpl& conv(const std::shared_ptr<torch::nn::Module>& m) {
  return static_cast<torch::nn::Conv2dImpl&>(*m);
}
torch::nn::GroupNormImpl& norm(const std::shared_ptr<torch::nn::Module>& m) {
  return static_cast<torch::nn::GroupNormImpl&>(*m);
}
torch::nn::LinearImpl& linear(const std::shared_ptr<torch::nn::Module>& m) {
  return static_cast<torch::nn::LinearImpl&>(*m);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ClassifierConfig
// ---------------------------------------------------------------------------------------------

int64_t ClassifierConfig::num_stages() const {
  int64_t s = 0;
  for (int64_t r = resolution; r > 4; r /= 2) ++s;
  return s;
}

int64_t ClassifierConfig::stage_channels(int64_t s) const { return std::min(width << s, max_width); }

void ClassifierConfig::validate() const {
  PFGM_CHECK(channels == 1 || channels == 3, "[classifier config] channels: got ", channels, ", expected 1 or 3");
  PFGM_CHECK(resolution >= 8 && is_power_of_two(resolution), "[classifier config] resolution: got ", resolution,
             ", expected a power of two ≥ 8");
  PFGM_CHECK(num_classes >= 2, "[classifier config] num_classes: got ", num_classes, ", expected ≥ 2");
  PFGM_CHECK(width >= 1 && width <= 4096, "[classifier config] width: got ", width, ", expected 1…4096");
  PFGM_CHECK(max_width >= width, "[classifier config] max_width: got ", max_width, ", expected ≥ width ", width);
  PFGM_CHECK(blocks >= 1 && blocks <= 16, "[classifier config] blocks: got ", blocks, ", expected 1…16");
  PFGM_CHECK(features >= 1, "[classifier config] features: got ", features, ", expected ≥ 1");
  PFGM_CHECK(groups >= 1, "[classifier config] groups: got ", groups, ", expected ≥ 1");
}

nlohmann::json ClassifierConfig::to_json() const {
  return {{"channels", channels}, {"resolution", resolution}, {"num_classes", num_classes},
          {"width", width},       {"max_width", max_width},   {"blocks", blocks},
          {"features", features}, {"groups", groups}};
}

ClassifierConfig ClassifierConfig::from_json(const nlohmann::json& j) {
  PFGM_CHECK(j.is_object(), "[classifier config] expected a JSON object, got ", j.dump());
  ClassifierConfig c;
  for (const auto& [key, value] : j.items()) {
    int64_t* field = key == "channels"      ? &c.channels
                     : key == "resolution"  ? &c.resolution
                     : key == "num_classes" ? &c.num_classes
                     : key == "width"       ? &c.width
                     : key == "max_width"   ? &c.max_width
                     : key == "blocks"      ? &c.blocks
                     : key == "features"    ? &c.features
                     : key == "groups"      ? &c.groups
                                            : nullptr;
    PFGM_CHECK(field, "[classifier config] unknown key '", key, "'");
    PFGM_CHECK(value.is_number_integer(), "[classifier config] ", key, ": got ", value.dump(), ", expected an integer");
    *field = value.get<int64_t>();
  }
  c.validate();
  return c;
}

// ---------------------------------------------------------------------------------------------
// ClassifierImpl
// ---------------------------------------------------------------------------------------------

ClassifierImpl::ClassifierImpl(const ClassifierConfig& config, uint64_t seed) : config_(config) {
  config_.validate();
  auto gen = core::make_generator(seed);
  int64_t in = config_.channels;
  for (int64_t s = 0; s < config_.num_stages(); ++s) {
    const int64_t out = config_.stage_channels(s);
    int64_t groups = std::max<int64_t>(1, std::min(config_.groups, out / 4));
    while (out % groups) --groups;
    for (int64_t b = 0; b < config_.blocks; ++b) {
      const std::string id = std::to_string(s) + "_" + std::to_string(b);
      auto c = register_module("conv" + id, torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)));
      auto n = register_module("norm" + id, torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups, out)));
      init_weight(c->weight, c->bias, gen);
      convs_.push_back(c);
      norms_.push_back(n);
      in = out;
    }
  }
  auto fc = register_module("fc", torch::nn::Linear(in * 4 * 4, config_.features));
  auto out = register_module("out", torch::nn::Linear(config_.features, config_.num_classes));
  init_weight(fc->weight, fc->bias, gen);
  init_weight(out->weight, out->bias, gen);
  fc_ = fc;
  out_ = out;
}

c10::Device ClassifierImpl::device() const { return linear(out_).weight.device(); }

void ClassifierImpl::check_images(const torch::Tensor& images, const std::string& where) const {
  const int64_t r = config_.resolution;
  PFGM_CHECK(images.defined() && images.dim() == 4 && images.scalar_type() == torch::kUInt8 &&
                 images.size(1) == config_.channels && images.size(2) == r && images.size(3) == r,
             where, " images: got ", images.defined() ? shape_string(images) : std::string("none"), ", expected [B, ",
             config_.channels, ", ", r, ", ", r, "] Byte");
}

torch::Tensor ClassifierImpl::features(const torch::Tensor& images) {
  check_images(images, "[classifier]");
  auto x = io::to_model_range(images.to(device()));
  size_t i = 0;
  for (int64_t s = 0; s < config_.num_stages(); ++s) {
    for (int64_t b = 0; b < config_.blocks; ++b, ++i)
      x = torch::silu(norm(norms_[i]).forward(conv(convs_[i]).forward(x)));
    x = torch::avg_pool2d(x, 2);
  }
  return torch::silu(linear(fc_).forward(x.flatten(1)));
}

torch::Tensor ClassifierImpl::head(const torch::Tensor& features) { return linear(out_).forward(features); }

torch::Tensor ClassifierImpl::forward(const torch::Tensor& images) { return head(features(images)); }

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

void save_classifier(const std::string& path, Classifier& net, const std::map<std::string, std::string>& extra) {
  auto meta = extra;
  meta["kind"] = kClassifierKind;
  meta["config"] = net->config().to_json().dump();
  io::write_safetensors(path, io::state_dict(*net), meta);
}

Classifier load_classifier(const std::string& path) {
  const auto file = io::read_safetensors(path);
  const auto kind = file.metadata.find("kind");
  PFGM_CHECK(kind != file.metadata.end() && kind->second == kClassifierKind, "[classifier] ", path,
             ": not a classifier (metadata kind '", kind == file.metadata.end() ? std::string("none") : kind->second,
             "'), expected a file written by pfgm classifier train");
  const auto config = file.metadata.find("config");
  PFGM_CHECK(config != file.metadata.end(), "[classifier] ", path, ": no \"config\" in the metadata");
  ClassifierConfig c;
  try {
    c = ClassifierConfig::from_json(nlohmann::json::parse(config->second));
  } catch (const nlohmann::json::exception& e) {
    throw Error(detail::concat("[classifier] ", path, ": bad config JSON: ", e.what()));
  } catch (const Error& e) {
    throw Error(detail::concat("[classifier] ", path, ": ", e.what()));
  }
  Classifier net(c);
  io::load_state_dict(*net, file);
  net->eval();
  return net;
}

}  // namespace pfgm::networks
