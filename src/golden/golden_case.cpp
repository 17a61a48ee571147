#include "pfgm/golden/golden_case.h"

#include <map>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/eval/frechet_distance.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/io/safetensors.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/layers/weight_init.h"
#include "pfgm/networks/score_sde_config.h"
#include "pfgm/networks/unet_block.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/empirical_field.h"
#include "pfgm/samplers/heun.h"
#include "pfgm/samplers/step_schedule.h"

namespace pfgm::golden {

bool CaseResult::pass() const {
  for (const auto& o : outputs)
    if (!o.pass) return false;
  return !outputs.empty();
}

namespace {

using Outputs = std::map<std::string, torch::Tensor>;

nlohmann::json parse_config(const io::SafetensorsFile& file) {
  auto it = file.metadata.find("config");
  PFGM_CHECK(it != file.metadata.end(), "[golden] ", file.source, ": no 'config' in the metadata");
  try {
    return nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    throw Error("[golden] " + file.source + ": config is not valid JSON (" + e.what() + ")");
  }
}

torch::Tensor input(const io::SafetensorsFile& file, const std::string& name, c10::Device device) {
  const auto* t = file.find("in." + name);
  return t ? t->to(device) : torch::Tensor();
}
torch::Tensor required(const io::SafetensorsFile& file, const std::string& name, c10::Device device) {
  return file.at("in." + name).to(device);
}

std::shared_ptr<networks::Model> load_network(const nlohmann::json& config, const io::SafetensorsFile& file,
                                              c10::Device device) {
  auto model = [&] {
    networks::layers::SkipInit skip;  // every weight is loaded below
    return std::make_shared<networks::Model>(networks::ModelConfig::from_json(config));
  }();
  io::load_state_dict(*model, file, "param.");
  model->to(device);
  model->eval();
  return model;
}

Outputs run_network(const io::SafetensorsFile& file, const nlohmann::json& config, c10::Device device) {
  at::NoGradGuard no_grad;
  auto model = load_network(config, file, device);
  torch::Tensor F_x;
  auto D_x = model->denoise(required(file, "x", device), required(file, "sigma", device),
                            input(file, "class_labels", device), input(file, "augment_labels", device), &F_x);
  return {{"D_x", D_x}, {"F_x", F_x}};
}

// The original PFGM network on the augmented coordinate: v_x [B, C, H, W] and v_z [B].
Outputs run_pfgm_network(const io::SafetensorsFile& file, const nlohmann::json& config, c10::Device device) {
  at::NoGradGuard no_grad;
  auto model = load_network(networks::model_config_from_score_sde(config), file, device);
  const auto x = required(file, "x", device);
  const auto v = model->field(x.reshape({x.size(0), -1}), required(file, "z", device));
  const int64_t N = x[0].numel();
  return {{"v_x", v.narrow(1, 0, N).reshape(x.sizes())}, {"v_z", v.select(1, N)}};
}

Outputs run_unet_block(const io::SafetensorsFile& file, const nlohmann::json& config, c10::Device device) {
  at::NoGradGuard no_grad;
  networks::UNetBlock block(networks::unet_block_options_from_json(config));
  io::load_state_dict(block, file, "param.");
  block.to(device);
  block.eval();
  return {{"y", block.forward(required(file, "x", device), required(file, "emb", device))}};
}

Outputs run_heun_sampler(const io::SafetensorsFile& file, const nlohmann::json& config, c10::Device device) {
  PFGM_CHECK(config.contains("network"), "[golden] ", file.source, ": heun_sampler config without 'network'");
  samplers::StepSchedule schedule;
  samplers::ChurnOptions churn;
  double D = 128;
  try {
    schedule.num_steps = config.value("num_steps", 18);
    schedule.sigma_min = config.value("sigma_min", 0.002);
    schedule.sigma_max = config.value("sigma_max", 80.0);
    schedule.rho = config.value("rho", 7.0);
    churn.S_churn = config.value("S_churn", 0.0);
    churn.S_min = config.value("S_min", 0.0);
    churn.S_max = config.value("S_max", 0.0);
    churn.S_noise = config.value("S_noise", 0.0);
    if (config.contains("D"))
      D = config["D"].is_string() ? physics::parse_aug_dim(config["D"].get<std::string>(), "config D")
                                  : config["D"].get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("[golden] " + file.source + ": heun_sampler config: " + e.what());
  }
  PFGM_CHECK(churn.S_churn == 0, "[golden] ", file.source, ": stochastic sampling (S_churn > 0) has no golden form");
  auto model = load_network(config["network"], file, device);
  const auto t_steps = samplers::edm_sigma_steps(schedule);
  auto latents = required(file, "latents", device).to(torch::kFloat64);
  const auto scaled = file.metadata.find("latents_are_scaled");
  const bool latents_are_scaled = scaled != file.metadata.end() ? scaled->second == "true" : !std::isinf(D);
  if (!latents_are_scaled) latents = latents * t_steps[0];
  samplers::Trajectory trajectory;
  const auto x = samplers::heun_sampler(samplers::denoiser_of(*model, input(file, "class_labels", device)), latents, t_steps, churn,
                                        nullptr, &trajectory);
  return {{"t_steps", torch::tensor(t_steps, torch::kFloat64)}, {"x_first_step", trajectory.x.at(1)}, {"x", x}};
}

Outputs run_pfgm_field(const io::SafetensorsFile& file, const nlohmann::json& config, c10::Device device) {
  const auto data = required(file, "data", device);
  const auto query_x = required(file, "query_x", device);
  const int64_t N = data[0].numel();
  const double gamma = config.value("gamma", 5.0);
  const auto E = physics::empirical_field(query_x.reshape({query_x.size(0), -1}), required(file, "query_z", device),
                                          data.reshape({data.size(0), -1}), 1);
  const auto target = physics::normalize_field(E, N, gamma);
  using torch::indexing::Slice;
  return {{"target_x", target.index({Slice(), Slice(0, N)}).reshape(query_x.sizes())},
          {"target_z", target.index({Slice(), N})}};
}

Outputs run_frechet_distance(const io::SafetensorsFile& file, c10::Device device) {
  const auto a = eval::gaussian_stats(required(file, "features1", device));
  const auto b = eval::gaussian_stats(required(file, "features2", device));
  auto scalar = [](double v) { return torch::tensor({v}, torch::kFloat64); };
  return {{"mu1", a.mu},
          {"sigma1", a.sigma},
          {"mu2", b.mu},
          {"sigma2", b.sigma},
          {"fid", scalar(eval::frechet_distance(a, b))},
          {"fid_self", scalar(eval::frechet_distance(a, a))}};
}

}  // namespace

CaseResult run_golden_case(const std::string& path, const GoldenOptions& options) {
  const auto file = io::read_safetensors(path);
  auto kind_it = file.metadata.find("case");
  PFGM_CHECK(kind_it != file.metadata.end(), "[golden] ", path, ": no 'case' in the metadata");
  const std::string kind = kind_it->second;
  const auto config = parse_config(file);

  ToleranceTable tolerances = ToleranceTable::uniform(0);
  if (options.tolerance) {
    tolerances = ToleranceTable::uniform(*options.tolerance);
  } else {
    auto t = file.metadata.find("tolerance");
    PFGM_CHECK(t != file.metadata.end(), "[golden] ", path, ": no 'tolerance' in the metadata; pass --tolerance");
    tolerances = ToleranceTable::parse(t->second);
  }

  Outputs got;
  const auto device = options.device;
  if (kind == "network") got = run_network(file, config, device);
  else if (kind == "unet_block") got = run_unet_block(file, config, device);
  else if (kind == "heun_sampler") got = run_heun_sampler(file, config, device);
  else if (kind == "pfgm_network") got = run_pfgm_network(file, config, device);
  else if (kind == "pfgm_field") got = run_pfgm_field(file, config, device);
  else if (kind == "frechet_distance") got = run_frechet_distance(file, device);
  else
    throw Error("[golden] " + path + ": unknown case '" + kind +
                "', expected network, unet_block, heun_sampler, pfgm_network, pfgm_field or frechet_distance");

  CaseResult result{path, kind, {}};
  for (const auto& [name, expected_raw] : file.tensors) {
    if (name.rfind("out.", 0) != 0) continue;
    const std::string out = name.substr(4);
    auto it = got.find(out);
    PFGM_CHECK(it != got.end(), "[golden] ", path, ": pfgm does not compute output '", out, "' of a ", kind, " case");
    const auto expected = expected_raw.to(torch::kFloat64);
    const auto value = it->second.detach().to(torch::kCPU, torch::kFloat64);
    PFGM_CHECK(value.sizes() == expected.sizes(), "[golden] ", path, ": out.", out, " has shape ", expected.sizes(),
               ", pfgm computed ", value.sizes());
    OutputCheck check;
    check.name = out;
    check.max_abs = (value - expected).abs().max().item<double>();
    const double scale = expected.abs().max().item<double>();
    check.max_rel = scale > 0 ? check.max_abs / scale : (check.max_abs > 0 ? INFINITY : 0);
    check.tolerance = tolerances.for_output(out);
    const double error = check.tolerance.relative ? check.max_rel : check.max_abs;
    check.pass = error <= check.tolerance.value;  // false for NaN
    result.outputs.push_back(check);
  }
  PFGM_CHECK(!result.outputs.empty(), "[golden] ", path, ": no out.* tensors");
  return result;
}

}  // namespace pfgm::golden
