// Every reference case file in shared/golden is reproduced within its own tolerance, and damaged
// case files are refused with errors that name the tensor or the problem.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pfgm/core/error.h"
#include "pfgm/golden/golden_case.h"
#include "pfgm/io/safetensors.h"
#include "test_paths.h"

namespace {

const std::string kGolden = pfgm::test_paths::shared_dir() + "/golden/";

std::vector<std::string> golden_files() {
  std::vector<std::string> files;
  if (DIR* d = ::opendir(kGolden.c_str())) {
    while (auto* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0) files.push_back(name);
    }
    ::closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(GoldenCases, EveryFileWithinItsOwnTolerance) {
  const auto files = golden_files();
  ASSERT_GE(files.size(), 8u) << "expected the reference case files in " << kGolden;
  std::vector<std::string> kinds;
  for (const auto& f : files) {
    const auto result = pfgm::golden::run_golden_case(kGolden + f);
    kinds.push_back(result.kind);
    for (const auto& o : result.outputs)
      EXPECT_TRUE(o.pass) << f << " out." << o.name << ": max rel " << o.max_rel << ", max abs " << o.max_abs
                          << ", tolerance " << o.tolerance.value;
  }
  for (const char* kind : {"network", "unet_block", "heun_sampler", "pfgm_field", "frechet_distance"})
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
