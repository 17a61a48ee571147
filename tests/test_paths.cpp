#include "test_paths.h"

namespace pfgm::test_paths {

std::string shared_dir() { return PFGM_SHARED_DIR; }
std::string fixtures_dir() { return PFGM_FIXTURES_DIR; }
std::string pfgm_binary() { return PFGM_BINARY; }

}  // namespace pfgm::test_paths
