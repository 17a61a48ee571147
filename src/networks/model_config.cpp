#include "pfgm/networks/model_config.h"

#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/physics/augmented_space.h"

namespace pfgm::networks {

namespace {
// Bounds that keep N = C·H·W and every shape derived from it far from overflow.
constexpr int64_t kMaxResolution = 1 << 14, kMaxChannels = 64, kMaxN = int64_t{1} << 32;
// An integer key; a float there (nlohmann would convert it, undefined when out of range) is an error.
int64_t integer(const nlohmann::json& j, const char* key, int64_t fallback) {
  if (!j.contains(key)) return fallback;
  PFGM_CHECK(j[key].is_number_integer(), "[config] ", key, ": got ", j[key].dump(), ", expected an integer");
  return j[key].get<int64_t>();
}

const char* const kPhysicsKeys[] = {"model_type", "precond", "N",       "D",      "pfgmpp", "sigma_data", "sigma_min",
                                    "sigma_max",  "P_mean",  "P_std",   "z_max",  "z_min",  "gamma", "upper_norm",
                                    "z_exp", "radius_quantile"};
}

std::string to_string(Precond p) { return p == Precond::EDM ? "edm" : "pfgm"; }

namespace {
const std::pair<NetworkFamily, const char*> kFamilies[] = {{NetworkFamily::ToyMLP, "ToyMLP"},
                                                           {NetworkFamily::SongUNet, "SongUNet"},
                                                           {NetworkFamily::DhariwalUNet, "DhariwalUNet"},
                                                           {NetworkFamily::NCSNpp, "NCSNpp"}};
}

std::string to_string(NetworkFamily f) {
  for (const auto& [family, name] : kFamilies)
    if (family == f) return name;
  return "?";
}

NetworkFamily parse_network_family(const std::string& model_type) {
  for (const auto& [family, name] : kFamilies)
    if (model_type == name) return family;
  throw Error("[config] model_type: got '" + model_type + "', expected ToyMLP, SongUNet, DhariwalUNet or NCSNpp");
}

int64_t ModelConfig::img_resolution() const { return is_image() ? network.value("img_resolution", int64_t{0}) : 0; }
int64_t ModelConfig::img_channels() const { return is_image() ? network.value("img_channels", int64_t{3}) : 0; }
int64_t ModelConfig::label_dim() const { return network.is_object() ? network.value("label_dim", int64_t{0}) : 0; }

std::vector<int64_t> ModelConfig::sample_shape() const {
  if (!is_image()) return {N};
  return {img_channels(), img_resolution(), img_resolution()};
}

nlohmann::json ModelConfig::to_json() const {
  nlohmann::json j = network.is_object() ? network : nlohmann::json::object();
  j["model_type"] = to_string(family);
  j["precond"] = to_string(precond);
  j["N"] = N;
  j["D"] = std::isinf(D) ? nlohmann::json("inf") : nlohmann::json(D);
  j["pfgmpp"] = precond == Precond::EDM && !std::isinf(D);
  j["sigma_data"] = sigma_data;
  j["sigma_min"] = sigma_min;
  j["sigma_max"] = sigma_max;
  j["P_mean"] = P_mean;
  j["P_std"] = P_std;
  if (radius_quantile < 1) j["radius_quantile"] = radius_quantile;
  if (precond == Precond::PFGM) {
    j["z_max"] = z_max;
    j["z_min"] = z_min;
    j["gamma"] = gamma;
    j["upper_norm"] = upper_norm;
    j["z_exp"] = z_exp;
  }
  return j;
}

ModelConfig ModelConfig::from_json(const nlohmann::json& j) {
  PFGM_CHECK(j.is_object(), "[config] expected a JSON object, got ", j.dump());
  ModelConfig c;
  try {
    c.family = parse_network_family(j.value("model_type", to_string(c.family)));
    const std::string p = j.value("precond", std::string("edm"));
    PFGM_CHECK(p == "edm" || p == "pfgm", "[config] precond: got '", p, "', expected edm or pfgm");
    c.precond = p == "edm" ? Precond::EDM : Precond::PFGM;
    // Image networks: N = C·H·W from the preconditioner's arguments.
    if (j.contains("img_resolution")) {
      const auto res = integer(j, "img_resolution", 0), channels = integer(j, "img_channels", 3);
      PFGM_CHECK(res >= 1 && res <= kMaxResolution, "[config] img_resolution: got ", res, ", expected 1 to ",
                 kMaxResolution);
      PFGM_CHECK(channels >= 1 && channels <= kMaxChannels, "[config] img_channels: got ", channels,
                 ", expected 1 to ", kMaxChannels);
      if (!j.contains("N")) c.N = channels * res * res;
    }
    c.N = integer(j, "N", c.N);
    if (j.contains("D")) {
      c.D = j["D"].is_string() ? physics::parse_aug_dim(j["D"].get<std::string>(), "config D") : j["D"].get<double>();
    }
    if (j.contains("pfgmpp") && !j["pfgmpp"].get<bool>() && c.precond == Precond::EDM) c.D = physics::kInfiniteD;
    c.sigma_data = j.value("sigma_data", c.sigma_data);
    c.sigma_min = j.value("sigma_min", c.sigma_min);
    c.sigma_max = j.value("sigma_max", c.sigma_max);
    c.P_mean = j.value("P_mean", c.P_mean);
    c.P_std = j.value("P_std", c.P_std);
    c.radius_quantile = j.value("radius_quantile", c.radius_quantile);
    c.z_max = j.value("z_max", c.z_max);
    c.z_min = j.value("z_min", c.z_min);
    c.gamma = j.value("gamma", c.gamma);
    c.upper_norm = j.value("upper_norm", c.upper_norm);
    c.z_exp = j.value("z_exp", c.z_exp);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("[config] ") + e.what());
  }
  c.check();
  c.network = j;
  for (const char* k : kPhysicsKeys) c.network.erase(k);
  c.network["N"] = c.N;  // networks for vector data read their input width from N
  return c;
}

void ModelConfig::check() const {
  // Tags name the key alone, so that the command line reports them as its flags (--sigma_min ...).
  PFGM_CHECK(D > 0, "[D] got ", D, ", expected > 0");
  PFGM_CHECK(N > 0 && N <= kMaxN, "[N] got ", N, ", expected 1 to ", kMaxN);
  for (const auto& [name, v] : {std::pair<const char*, double>{"sigma_data", sigma_data}, {"sigma_min", sigma_min},
                                {"sigma_max", sigma_max}, {"P_std", P_std}, {"z_max", z_max},
                                {"z_min", z_min}, {"gamma", gamma}})
    PFGM_CHECK(std::isfinite(v) && v > 0, "[", name, "] got ", v, ", expected a finite number > 0");
  PFGM_CHECK(std::isfinite(P_mean), "[P_mean] got ", P_mean, ", expected a finite number");
  PFGM_CHECK(sigma_min < sigma_max, "[sigma_min/sigma_max] got ", sigma_min, " and ", sigma_max,
             ", expected sigma_min below sigma_max");
  PFGM_CHECK(z_min < z_max, "[z_min/z_max] got ", z_min, " and ", z_max, ", expected z_min below z_max");
  PFGM_CHECK(std::isfinite(upper_norm) && upper_norm >= 0, "[upper_norm] got ", upper_norm, ", expected >= 0 (0: no clip)");
  PFGM_CHECK(std::isfinite(z_exp) && z_exp >= 0, "[z_exp] got ", z_exp, ", expected >= 0");
  PFGM_CHECK(radius_quantile > 0 && radius_quantile <= 1, "[radius_quantile] got ", radius_quantile,
             ", expected 0 < q <= 1");
}

}  // namespace pfgm::networks
