// Every reference case file in shared/golden and shared/golden-new is reproduced within its own tolerance, and damaged
// case files are refused with errors that name the tensor or the problem.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "pfgm/core/error.h"
#include "pfgm/golden/golden_case.h"
#include "pfgm/io/safetensors.h"
#include <nlohmann/json.hpp>
#include <torch/types.h>
#include "test_paths.h"

namespace {

const std::string kGolden = pfgm::test_paths::shared_dir() + "/golden/";
// Cases of kinds that joined later; they move to golden/ in time, so the folder may be gone.
const std::string kGoldenNew = pfgm::test_paths::shared_dir() + "/golden-new/";

// The paths of the case files in `dir`, sorted.
std::vector<std::string> golden_files(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (auto* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0) files.push_back(dir + name);
    }
    ::closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(GoldenCases, EveryFileWithinItsOwnTolerance) {
  auto files = golden_files(kGolden);
  ASSERT_GE(files.size(), 8u) << "expected the reference case files in " << kGolden;
  for (const auto& f : golden_files(kGoldenNew)) files.push_back(f);
  std::vector<std::string> kinds;
  for (const auto& f : files) {
    const auto result = pfgm::golden::run_golden_case(f);
    kinds.push_back(result.kind);
    for (const auto& o : result.outputs)
      EXPECT_TRUE(o.pass) << f << " out." << o.name << ": max rel " << o.max_rel << ", max abs " << o.max_abs
                          << ", tolerance " << o.tolerance.value;
  }
  for (const char* kind : {"network", "unet_block", "heun_sampler", "pfgm_network", "pfgm_field", "frechet_distance"})
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << "no case of kind " << kind;
}

// A tolerance tighter than float32 can meet must fail: the comparison is real.
TEST(GoldenCases, ImpossibleToleranceFails) {
  pfgm::golden::GoldenOptions o;
  o.tolerance = 1e-12;
  EXPECT_FALSE(pfgm::golden::run_golden_case(kGolden + "ddpmpp_small.safetensors", o).pass());
}

// Rewrites a case file with one tensor removed, renamed or reshaped.
std::string damaged_copy(const std::string& src, const std::string& what) {
  auto f = pfgm::io::read_safetensors(kGolden + src);
  pfgm::io::NamedTensors tensors;
  for (auto& [name, t] : f.tensors) {
    if (name == "param.model.enc.8x8_block0.qkv.weight") {
      if (what == "missing") continue;
      if (what == "reshaped") {
        tensors.emplace_back(name, t.reshape({-1}));
        continue;
      }
    }
    tensors.emplace_back(name, t);
  }
  if (what == "extra") tensors.emplace_back("param.model.enc.8x8_block0.qkv.extra", torch::zeros({2}));
  const std::string out = ::testing::TempDir() + "damaged_" + what + ".safetensors";
  pfgm::io::write_safetensors(out, tensors, f.metadata);
  return out;
}

std::string error_of(const std::string& path) {
  try {
    pfgm::golden::run_golden_case(path);
  } catch (const pfgm::Error& e) {
    return e.what();
  }
  return "";
}

TEST(GoldenCases, WeightsThatDoNotFitAreNamed) {
  const std::string key = "param.model.enc.8x8_block0.qkv.weight";
  EXPECT_NE(error_of(damaged_copy("ddpmpp_small.safetensors", "missing")).find("missing " + key), std::string::npos);
  EXPECT_NE(error_of(damaged_copy("ddpmpp_small.safetensors", "reshaped")).find(key + " has"), std::string::npos);
  EXPECT_NE(error_of(damaged_copy("ddpmpp_small.safetensors", "extra")).find("unexpected param.model.enc.8x8_block0.qkv.extra"),
            std::string::npos);
}

TEST(GoldenCases, UnknownNetworkArgumentIsAnError) {
  auto f = pfgm::io::read_safetensors(kGolden + "adm_small.safetensors");
  auto meta = f.metadata;
  meta["config"].insert(meta["config"].size() - 1, ", \"channels_per_head_typo\": 3");
  const std::string out = ::testing::TempDir() + "unknown_arg.safetensors";
  pfgm::io::write_safetensors(out, f.tensors, meta);
  EXPECT_NE(error_of(out).find("unknown argument 'channels_per_head_typo'"), std::string::npos) << error_of(out);
}

}  // namespace

namespace {

// The original PFGM network case: its config is score_sde's; settings pfgm does not build are
// refused by name, and the float64 `sigmas` buffer must stay float64.
std::string pfgm_case_with(const std::function<void(nlohmann::json&, pfgm::io::NamedTensors&)>& edit,
                           const std::string& name) {
  const std::string file = "pfgm_ddpmpp_small.safetensors";
  auto f = pfgm::io::read_safetensors(golden_files(kGoldenNew).empty() ? kGolden + file : kGoldenNew + file);
  auto config = nlohmann::json::parse(f.metadata.at("config"));
  edit(config, f.tensors);
  auto meta = f.metadata;
  meta["config"] = config.dump();
  const std::string out = ::testing::TempDir() + name + ".safetensors";
  pfgm::io::write_safetensors(out, f.tensors, meta);
  return out;
}

TEST(GoldenCases, PfgmNetworkRefusesWhatItDoesNotBuild) {
  auto set = [](const char* section, const char* key, nlohmann::json value) {
    return [=](nlohmann::json& c, pfgm::io::NamedTensors&) { c[section][key] = value; };
  };
  EXPECT_NE(error_of(pfgm_case_with(set("model", "progressive", "output_skip"), "prog")).find("progressive"),
            std::string::npos);
  EXPECT_NE(error_of(pfgm_case_with(set("model", "conditional", false), "cond")).find("model.conditional"),
            std::string::npos);
  EXPECT_NE(error_of(pfgm_case_with(set("training", "sde", "vesde"), "sde")).find("training.sde"), std::string::npos);
  EXPECT_NE(error_of(pfgm_case_with(set("model", "nonlinearity", "elu"), "act")).find("model.nonlinearity"),
            std::string::npos);
  const auto float_sigmas = pfgm_case_with(
      [](nlohmann::json&, pfgm::io::NamedTensors& t) {
        for (auto& [name, value] : t)
          if (name == "param.module.sigmas") value = value.to(torch::kFloat32);
      },
      "sigmas32");
  EXPECT_NE(error_of(float_sigmas).find("module.sigmas has Float"), std::string::npos) << error_of(float_sigmas);
  // Inputs in [0, 1] (data.centered false) are mapped by 2x − 1 first: the same weights now disagree.
  EXPECT_FALSE(pfgm::golden::run_golden_case(pfgm_case_with(set("data", "centered", false), "uncentered")).pass());
}

}  // namespace
