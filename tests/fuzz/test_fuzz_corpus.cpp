// Every file of tests/fuzz/corpus/<target>/ (seeds and the inputs of past findings) through the
// fuzz target's entry point, in the normal build: no sanitizer-only coverage of the parsers.
#include <dirent.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "fuzz/fuzz_targets.h"
#include "test_paths.h"

namespace pfgm::fuzz {
namespace {

std::vector<std::string> corpus_files(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') files.push_back(dir + "/" + e->d_name);
    ::closedir(d);
  }
  return files;
}

class FuzzCorpus : public testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzCorpus, EveryFileIsAcceptedOrRejectedCleanly) {
  const auto dir = test_paths::fixtures_dir() + "/../fuzz/corpus/" + GetParam().name;
  const auto files = corpus_files(dir);
  ASSERT_GE(files.size(), 3u) << dir << ": a target needs seed files";
  int accepted = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    try {
      accepted += GetParam().run(bytes.str());
    } catch (const std::exception& e) {
      ADD_FAILURE() << file << ": " << e.what();
    }
  }
  EXPECT_GE(accepted, 2) << dir << ": the seeds must include valid files, or the target tests nothing";
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpus, testing::ValuesIn(fuzz_targets()),
                         [](const testing::TestParamInfo<FuzzTarget>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pfgm::fuzz
