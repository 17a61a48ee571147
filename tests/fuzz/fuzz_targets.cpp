#include "fuzz/fuzz_targets.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/cifar10.h"
#include "pfgm/data/csv.h"
#include "pfgm/data/idx.h"
#include "pfgm/data/image_folder.h"
#include "pfgm/io/npy.h"
#include "pfgm/io/png.h"
#include "pfgm/io/safetensors.h"
#include "pfgm/networks/model_config.h"

namespace pfgm::fuzz {
namespace {

void property(bool holds, const std::string& what) {
  if (!holds) throw PropertyViolation(what);
}

bool same(const torch::Tensor& a, const torch::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() &&
         (a.numel() == 0 || std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.nbytes()) == 0);
}

// A file holding `bytes` for parsers that take a path; removed when it goes out of scope.
struct ScratchFile {
  std::string path;
  ScratchFile(const std::string& bytes, const std::string& extension) {
    const char* tmp = std::getenv("TMPDIR");
    const std::string dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp ? tmp : "/tmp";
    path = dir + "/pfgm-fuzz-" + std::to_string(::getpid()) + extension;
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ~ScratchFile() { std::remove(path.c_str()); }
};

// Accepted files survive write → read unchanged, and the reader from a path agrees with the one
// from memory.
void safetensors(const std::string& bytes) {
  io::SafetensorsFile parsed;
  try {
    parsed = io::parse_safetensors(bytes, "input");
  } catch (const Error&) {
    const ScratchFile f(bytes, ".safetensors");
    try {
      io::read_safetensors(f.path);
    } catch (const Error&) {
      return;
    }
    property(false, "read_safetensors accepts what parse_safetensors rejects");
  }
  const ScratchFile f(bytes, ".safetensors");
  const auto from_file = io::read_safetensors(f.path);
  property(from_file.tensors.size() == parsed.tensors.size() && from_file.metadata == parsed.metadata,
           "read_safetensors and parse_safetensors disagree");
  std::ostringstream out;
  io::write_safetensors(out, parsed.tensors, parsed.metadata, "output");
  const auto again = io::parse_safetensors(out.str(), "round trip");
  property(again.metadata == parsed.metadata && again.tensors.size() == parsed.tensors.size(), "round trip changed the file");
  for (size_t i = 0; i < parsed.tensors.size(); ++i) {
    const auto* t = again.find(parsed.tensors[i].first);
    property(t && same(*t, parsed.tensors[i].second), "round trip changed tensor " + parsed.tensors[i].first);
    property(same(from_file.tensors[i].second, parsed.tensors[i].second), "the two readers differ");
  }
}

// A model configuration as stored in a checkpoint's metadata: accepted configs survive
// to_json → from_json.
void model_config(const std::string& bytes) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception&) {
    return;  // load_model reports this as "config is not valid JSON"
  }
  const auto c = networks::ModelConfig::from_json(j);
  const auto again = networks::ModelConfig::from_json(c.to_json());
  property(again.to_json() == c.to_json(), "to_json → from_json changed the config");
  property(c.sample_shape().size() >= 1, "no sample shape");
}

void png(const std::string& bytes) {
  const auto image = io::decode_png(bytes, "input");
  property(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3), "decoded image is not [C, H, W]");
  property(same(io::decode_png(io::encode_png(image), "round trip"), image), "encode → decode changed the pixels");
}

// A dataset zip (images and dataset.json), read as `pfgm train --data` reads it.
void zip_dataset(const std::string& bytes) {
  const ScratchFile f(bytes, ".zip");
  data::ImageDatasetOptions o;
  const auto d = data::load_image_folder(f.path, o);
  property(d.images.dim() == 4 && d.images.size(0) >= 1, "a dataset without images");
  if (d.labels.defined())
    property(d.labels.size(0) == d.images.size(0) && d.labels.min().item<int64_t>() >= 0 &&
                 d.labels.max().item<int64_t>() < d.label_dim,
             "labels out of range");
}

void idx(const std::string& bytes) {
  const ScratchFile f(bytes, ".idx");
  const auto t = data::read_idx(f.path);
  const bool gzip = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                    static_cast<unsigned char>(bytes[1]) == 0x8b;
  if (!gzip)
    property(bytes.size() == 4 + 4 * static_cast<size_t>(t.dim()) + static_cast<size_t>(t.numel()),
             "accepted an idx file whose length does not match its header");
}

void cifar10(const std::string& bytes) {
  const auto d = data::parse_cifar10_batch(bytes, "input");
  property(static_cast<int64_t>(bytes.size()) == d.images.size(0) * data::kCifarRecordBytes,
           "accepted a batch that is not whole records");
}

void npy(const std::string& bytes) {
  const auto t = io::decode_npy(bytes, "input");
  property(same(io::decode_npy(io::encode_npy(t), "round trip"), t), "encode → decode changed the array");
}

void npz(const std::string& bytes) {
  const ScratchFile f(bytes, ".npz");
  for (const auto& [name, t] : io::read_npz(f.path))
    property(same(io::decode_npy(io::encode_npy(t), "round trip"), t), "encode → decode changed array " + name);
}

void csv(const std::string& bytes) {
  const ScratchFile f(bytes, ".csv");
  const auto points = data::read_points_csv(f.path);
  const ScratchFile g("", ".out.csv");
  data::write_points_csv(g.path, points);
  property(same(data::read_points_csv(g.path), points), "write → read changed the points");
}

void seeds(const std::string& bytes) {
  const auto list = core::parse_seeds(bytes);
  property(!list.empty() && list.size() <= (size_t{1} << 20), "an empty or oversized seed list");
  if (list.size() > 4096) return;  // the round trip of long lists costs more than it finds
  std::string text;
  for (const auto s : list) text += (text.empty() ? "" : ",") + std::to_string(s);
  property(core::parse_seeds(text) == list, "join → parse changed the seeds");
}

// Rejections with pfgm::Error are the expected outcome for most inputs.
template <void (*F)(const std::string&)>
bool rejecting(const std::string& bytes) {
  try {
    F(bytes);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> targets = {
      {"safetensors", rejecting<safetensors>}, {"model_config", rejecting<model_config>},
      {"png", rejecting<png>},                 {"zip_dataset", rejecting<zip_dataset>},
      {"idx", rejecting<idx>},                 {"cifar10", rejecting<cifar10>},
      {"npy", rejecting<npy>},                 {"npz", rejecting<npz>},
      {"csv", rejecting<csv>},                 {"seeds", rejecting<seeds>}};
  return targets;
}

const FuzzTarget* find_fuzz_target(const std::string& name) {
  for (const auto& t : fuzz_targets())
    if (name == t.name) return &t;
  return nullptr;
}

}  // namespace pfgm::fuzz
