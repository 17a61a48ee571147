#pragma once
// Reading a network's constructor arguments from JSON: each key is consumed once, type errors and
// unknown keys become pfgm::Error naming the network and the key.
#include <set>
#include <type_traits>
#include <string>
#include <vector>

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
    // nlohmann converts a float to an integer type, undefined when out of range: ask for an integer.
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
      PFGM_CHECK(config_[key].is_number_integer(), "[config] ", network_, " ", key, ": ", config_[key].dump(),
                 " has the wrong type (expected an integer)");
    if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
      bool integers = config_[key].is_array();
      for (size_t i = 0; integers && i < config_[key].size(); ++i) integers = config_[key][i].is_number_integer();
      PFGM_CHECK(integers, "[config] ", network_, " ", key, ": ", config_[key].dump(),
                 " has the wrong type (expected a list of integers)");
    }
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

// The arguments SongUNet and DhariwalUNet share (their constructors in EDM's networks.py, plus the
// preconditioner's img_resolution/img_channels), into any options struct with these fields.
template <typename Options>
void read_unet_arguments(NetworkArguments& a, Options& o, const char* network) {
  a.read("img_resolution", o.img_resolution);
  a.read("img_channels", o.in_channels);
  o.out_channels = o.in_channels;
  a.read("in_channels", o.in_channels);
  a.read("out_channels", o.out_channels);
  a.read("label_dim", o.label_dim);
  a.read("augment_dim", o.augment_dim);
  a.read("model_channels", o.model_channels);
  a.read("channel_mult", o.channel_mult);
  a.read("channel_mult_emb", o.channel_mult_emb);
  a.read("num_blocks", o.num_blocks);
  a.read("attn_resolutions", o.attn_resolutions);
  a.read("dropout", o.dropout);
  a.read("label_dropout", o.label_dropout);
  a.ignore("N");
  a.ignore("use_fp16");
  PFGM_CHECK(!o.channel_mult.empty() && o.img_resolution > 0 && o.model_channels > 0 && o.num_blocks >= 0,
             "[config] ", network, ": img_resolution, model_channels and channel_mult must be positive");
  PFGM_CHECK(o.img_resolution % (int64_t{1} << (o.channel_mult.size() - 1)) == 0, "[config] ", network,
             ": img_resolution ", o.img_resolution, " cannot be halved ", o.channel_mult.size() - 1, " times");
}

// Encoder/decoder module names: "<res>x<res>_<kind>".
inline std::string level_name(int64_t res, const std::string& kind) {
  return std::to_string(res) + "x" + std::to_string(res) + "_" + kind;
}

}  // namespace pfgm::networks
