#pragma once
// Where the tests find ../shared, their committed fixtures and the pfgm program. The paths are
// compiled into test_paths.cpp alone, so every other test file is the same in every clone (and
// ccache shares it).
#include <string>

namespace pfgm::test_paths {

std::string shared_dir();    // ../shared beside the clone
std::string fixtures_dir();  // tests/fixtures
std::string pfgm_binary();   // the built pfgm program

}  // namespace pfgm::test_paths
