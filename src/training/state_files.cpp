#include "pfgm/training/state_files.h"

#include <dirent.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "pfgm/core/error.h"
#include "pfgm/core/text.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/io/safetensors.h"

namespace pfgm::training {
namespace {
const std::string kPrefix = "training-state-", kSuffix = ".safetensors";

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  PFGM_CHECK(d, "[resume] ", dir, ": cannot open the folder");
  while (const dirent* e = ::readdir(d)) names.push_back(e->d_name);
  ::closedir(d);
  return names;
}

// The kimg of "training-state-<kimg>.safetensors", or -1 for other names.
long long kimg_of(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0 || !core::ends_with(name, kSuffix)) return -1;
  const std::string digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 15) return -1;
  return std::atoll(digits.c_str());
}
}  // namespace

std::vector<std::string> training_states(const std::string& dir) {
  std::vector<std::pair<long long, std::string>> found;
  for (const auto& name : entries(dir))
    if (const long long kimg = kimg_of(name); kimg >= 0) found.emplace_back(kimg, name);
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (const auto& f : found) paths.push_back(dir + "/" + f.second);
  return paths;
}

std::string newest_training_state(const std::string& dir) {
  const auto states = training_states(dir);
  for (auto it = states.rbegin(); it != states.rend(); ++it) {
    try {
      const auto file = io::read_safetensors(*it);
      PFGM_CHECK(file.metadata.count("training_state"), "[resume] ", *it, ": not a pfgm training state");
      return *it;
    } catch (const Error& e) {
      std::fprintf(stderr, "skipping %s: %s\n", it->c_str(), e.what());
    }
  }
  throw Error("[resume] " + dir + ": no training-state-*.safetensors that loads");
}

void prune_training_states(const std::string& dir, int64_t keep) {
  if (keep <= 0) return;
  const auto states = training_states(dir);
  for (size_t i = 0; i + static_cast<size_t>(keep) < states.size(); ++i) std::remove(states[i].c_str());
}

int remove_stale_temporary_files(const std::string& dir) {
  int removed = 0;
  for (const auto& name : entries(dir)) {
    const auto mark = name.rfind(".tmp-");
    if (mark == std::string::npos || mark + 5 >= name.size()) continue;
    const std::string pid = name.substr(mark + 5);
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    const bool alive = ::kill(std::atoi(pid.c_str()), 0) == 0 || errno == EPERM;
    if (!alive && std::remove((dir + "/" + name).c_str()) == 0) ++removed;
  }
  return removed;
}

void rewind_stats(const std::string& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::string kept, line;
  while (std::getline(in, line)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      continue;  // cut short by a kill
    }
    const double s = j.contains("Progress/step") ? j["Progress/step"].value("mean", 0.0) : 0.0;
    if (s <= static_cast<double>(step)) kept += line + "\n";
  }
  in.close();
  io::write_atomically(path, [&](std::ostream& out) { out << kept; });
}

}  // namespace pfgm::training
