#pragma once
// Reading a network's constructor arguments from JSON: each key is consumed once, type errors and
// unknown keys become pfgm::Error naming the network and the key.
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "pfgm/core/error.h"

namespace pfgm::networks {

class NetworkArguments {
 public:
  NetworkArguments(std::string network, const nlohmann::json& config) : network_(std::move(network)), config_(config) {
    PFGM_CHECK(config_.is_object(), "[config] ", network_, ": expected a JSON object");
  }

  template <typename T>
  void read(const char* key, T& value) {
    used_.insert(key);
    if (!config_.contains(key) || config_[key].is_null()) return;
    try {
      value = config_[key].get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw Error("[config] " + network_ + " " + key + ": " + config_[key].dump() + " has the wrong type");
    }
  }
  void ignore(const char* key) { used_.insert(key); }

  // Throws for every key that no read() or ignore() consumed.
  void finish() const {
    for (const auto& [key, value] : config_.items())
      PFGM_CHECK(used_.count(key), "[config] ", network_, ": unknown argument '", key, "'");
  }

 private:
  std::string network_;
  const nlohmann::json& config_;
  std::set<std::string> used_;
};

}  // namespace pfgm::networks
