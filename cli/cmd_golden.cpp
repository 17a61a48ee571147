// `pfgm golden FILE...`: recompute the outputs of reference case files and compare.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/golden/golden_case.h"

namespace pfgm::cli {

namespace {

struct GoldenArgs {
  std::vector<std::string> files;
  double tolerance = -1;
  std::string device = "cpu";
  int threads = 0;
  bool json = false;
};

void run_golden(const GoldenArgs& a) {
  core::configure_process(a.threads);
  golden::GoldenOptions options;
  options.device = core::parse_device(a.device);
  if (a.tolerance >= 0) options.tolerance = a.tolerance;
  int failed = 0;
  for (const auto& path : a.files) {
    const auto result = golden::run_golden_case(path, options);
    for (const auto& o : result.outputs) {
      if (a.json) {
        nlohmann::json j{{"file", path},          {"case", result.kind},   {"output", o.name},
                         {"max_abs_err", o.max_abs}, {"max_rel_err", o.max_rel},
                         {"tolerance", o.tolerance.value}, {"metric", o.tolerance.relative ? "relative" : "absolute"},
                         {"pass", o.pass}};
        std::puts(j.dump().c_str());
      } else {
        std::printf("%-40s %-14s %-14s max abs %.3e  max rel %.3e  tol %.1e %-8s %s\n", path.c_str(),
                    result.kind.c_str(), o.name.c_str(), o.max_abs, o.max_rel, o.tolerance.value,
                    o.tolerance.relative ? "relative" : "absolute", o.pass ? "ok" : "FAIL");
      }
    }
    failed += !result.pass();
  }
  std::fflush(stdout);
  PFGM_CHECK(failed == 0, "[golden] ", failed, " of ", a.files.size(), " case files above their tolerance");
}

}  // namespace

void add_golden_command(CLI::App& app) {
  auto a = std::make_shared<GoldenArgs>();
  auto* c = app.add_subcommand("golden", "check pfgm against reference case files (network, unet_block, heun_sampler, "
                                         "pfgm_network, pfgm_field, frechet_distance)");
  c->add_option("files", a->files, "case files (safetensors)")->required()->check(CLI::ExistingFile);
  c->add_option("--tolerance", a->tolerance, "relative tolerance for every output (default: each file's own)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--device", a->device, "cpu | cuda | auto (TF32 is off)")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  c->add_flag("--json", a->json, "one JSON line per output");
  c->callback([a] { run_golden(*a); });
}

}  // namespace pfgm::cli
