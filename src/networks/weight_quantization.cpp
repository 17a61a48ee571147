#include "pfgm/networks/weight_quantization.h"

#include <cmath>
#include <regex>

#include "pfgm/core/error.h"
#include "pfgm/networks/ncsnpp.h"

namespace pfgm::networks {

torch::Tensor fake_quantize(const torch::Tensor& w, int bits) {
  PFGM_CHECK(bits >= 1 && bits <= 16, "[bits] got ", bits, ", expected 1 to 16");
  const double q_max = std::pow(2.0, bits) - 1;
  const auto lo = w.min(), hi = w.max();
  if (lo.item<double>() == hi.item<double>()) return w.clone();
  const auto scale = (hi - lo) / q_max;
  const auto zp = torch::trunc(torch::clamp(-lo / scale, 0, q_max));
  const auto q = torch::round(torch::clamp(zp + w / scale, 0, q_max));
  return scale * (q - zp);
}

namespace {
bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// score_sde's NCSN++ (module.all_modules.<i>.<layer>.<param>): convolution and NIN weights of the
// modules below the full resolution, except GroupNorm and the Dense (embedding) layers.
bool ncsnpp_rule(const NCSNpp& net, int64_t resolution, const std::string& key) {
  static const std::regex pattern(R"(^module\.all_modules\.(\d+)\.(.+)$)"), nin(R"(^NIN_\d+\.W$)");
  std::smatch m;
  if (!std::regex_match(key, m, pattern)) return false;
  const auto index = static_cast<size_t>(std::stoll(m[1].str()));
  const std::string rest = m[2].str();
  const auto& res = net.module_resolutions();
  if (index >= res.size() || res[index] == 0 || res[index] == resolution) return false;
  if (contains(rest, "GroupNorm") || contains(rest, "Dense")) return false;
  const bool weight = rest.size() >= 6 && rest.compare(rest.size() - 6, 6, "weight") == 0;
  return weight || std::regex_match(rest, nin);
}
}  // namespace

bool is_quantized_weight(const Model& model, const std::string& key) {
  const auto& c = model.config();
  if (c.family == NetworkFamily::NCSNpp)
    return ncsnpp_rule(static_cast<const NCSNpp&>(*model.model), c.img_resolution(), key);
  if (!contains(key, "weight")) return false;
  for (const char* part : {"norm", "affine", "map"})
    if (contains(key, part)) return false;
  // EDM's networks name their levels <R>x<R>: the full resolution's layers stay in float32.
  const int64_t R = c.img_resolution();
  const std::string top = std::to_string(R) + "x" + std::to_string(R) + "_";
  return !(R > 0 && (contains(key, ("enc." + top).c_str()) || contains(key, ("dec." + top).c_str())));
}

std::vector<std::string> quantize_weights(Model& model, int bits) {
  std::vector<std::string> keys;
  at::NoGradGuard no_grad;
  for (auto& p : model.named_parameters()) {
    if (!is_quantized_weight(model, p.key())) continue;
    p.value().copy_(fake_quantize(p.value(), bits));
    keys.push_back(p.key());
  }
  return keys;
}

}  // namespace pfgm::networks
