#pragma once
// Golden case files: safetensors with the reference's inputs (`in.*`), weights (`param.*`) and
// outputs (`out.*`), the kind and the reference object's arguments in the metadata. Running a
// case recomputes every output with pfgm and measures its distance to the reference's.
#include <optional>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "pfgm/golden/tolerance.h"

namespace pfgm::golden {

struct OutputCheck {
  std::string name;       // without the "out." prefix
  double max_abs = 0;     // max |got − expected|
  double max_rel = 0;     // max_abs / max |expected|
  Tolerance tolerance;
  bool pass = false;
};

struct CaseResult {
  std::string file, kind;
  std::vector<OutputCheck> outputs;
  bool pass() const;
};

struct GoldenOptions {
  std::optional<double> tolerance;  // overrides the file's own (relative, every output)
  c10::Device device = c10::kCPU;
};

// Kinds: network, unet_block, heun_sampler, pfgm_network, pfgm_field, frechet_distance. Throws pfgm::Error for
// unreadable files, unknown kinds, bad configurations and weights that do not fit.
CaseResult run_golden_case(const std::string& path, const GoldenOptions& options = {});

}  // namespace pfgm::golden
