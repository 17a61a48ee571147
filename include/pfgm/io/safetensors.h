#pragma once
// The safetensors format (u64 header length, JSON header, tiled little-endian data section):
// a fully validating reader and an atomic writer, for checkpoints and golden test files.
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace pfgm::io {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct SafetensorsFile {
  NamedTensors tensors;                         // CPU tensors owning their memory, in data order
  std::map<std::string, std::string> metadata;  // the "__metadata__" entry (string -> string)
  std::string source;                           // file name used in error messages

  const torch::Tensor* find(const std::string& name) const;  // nullptr when absent
  const torch::Tensor& at(const std::string& name) const;    // throws pfgm::Error when absent
};

// Reads and validates `path`; every problem is reported as pfgm::Error naming the file.
SafetensorsFile read_safetensors(const std::string& path);

// Same, from the complete file contents in memory; `name_for_errors` stands for the file.
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& name_for_errors);

// Writes `tensors` (any device, in the given order) and `metadata` (omitted when empty) to
// `path` atomically: on any error nothing is left behind and an existing file is untouched.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The same bytes to a stream (no temporary file); `name_for_errors` names the output in errors.
void write_safetensors(std::ostream& out, const NamedTensors& tensors, const std::map<std::string, std::string>& metadata,
                       const std::string& name_for_errors);

}  // namespace pfgm::io
