// Every test process removes the scratch folders it made under the temp directory (those named
// pfgm_…_<pid>…), so that thousands of test runs leave nothing behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;

// File by file: the torch wheel's copy of fs::remove_all crashes.
void remove_tree(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(path, ec)))
    for (const auto& e : fs::directory_iterator(path, ec)) remove_tree(e.path());
  fs::remove(path, ec);
}

class ScratchCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    const std::string pid = "_" + std::to_string(::getpid());
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
      const std::string name = e.path().filename().string();
      const auto at = name.find(pid);
      const bool ours = name.rfind("pfgm_", 0) == 0 && at != std::string::npos &&
                        (at + pid.size() == name.size() || name[at + pid.size()] == '_');
      if (ours) remove_tree(e.path());
    }
  }
};

const auto* const registered = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

}  // namespace
