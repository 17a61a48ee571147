// safetensors reader and writer: every header field, size and offset is checked (overflow-safe)
// and the tensors must tile the data section exactly, as the format's specification requires.
#include "pfgm/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <cerrno>
#include <fstream>
#include <limits>
#include <set>

#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/atomic_file.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");

namespace pfgm::io {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kHint = " (perhaps an incomplete download or a corrupt file?)";
constexpr const char* kDTypeNames = "F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL";

struct DType {
  const char* name;
  torch::ScalarType type;
  uint64_t size;
};
const DType kDTypes[] = {
    {"F32", torch::kFloat, 4},  {"F64", torch::kDouble, 8}, {"F16", torch::kHalf, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kLong, 8},  {"I32", torch::kInt, 4},
    {"I16", torch::kShort, 2},  {"I8", torch::kChar, 1},    {"U8", torch::kByte, 1},
    {"BOOL", torch::kBool, 1}};

struct Entry {
  std::string name;
  const DType* dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

struct Header {
  std::vector<Entry> entries;  // sorted by data offset, tiling the data section
  std::map<std::string, std::string> metadata;
};

std::string where(const std::string& file) { return "[safetensors] " + file + ": "; }

// A JSON value for an error message, cut short when long.
std::string brief(const json& j) {
  std::string s = j.dump();
  return s.size() <= 80 ? s : s.substr(0, 77) + "...";
}

// Checks the 8-byte prefix (`first` holds the file's first min(8, size) bytes) and returns the
// header length.
uint64_t header_length(const std::string& first, uint64_t file_size, const std::string& file) {
  PFGM_CHECK(file_size >= 8, where(file), "file too short: got ", file_size,
             " bytes, expected at least 8", kHint);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(first[i]);
  PFGM_CHECK(n <= kMaxHeaderBytes, where(file), "header length too large: got ", n,
             " bytes, expected at most ", kMaxHeaderBytes);
  PFGM_CHECK(n <= file_size - 8, where(file), "header length exceeds the file: got ", n,
             " bytes, expected at most ", file_size - 8, kHint);
  return n;
}

// Parses JSON, rejecting duplicate keys in any object (nlohmann would keep the last one).
json parse_json(const std::string& text, const std::string& file) {
  std::vector<std::set<std::string>> open_objects;
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end) open_objects.pop_back();
    if (event == json::parse_event_t::key) {
      const auto& key = parsed.get_ref<const std::string&>();
      PFGM_CHECK(open_objects.back().insert(key).second, where(file),
                 "header has a duplicate key: got '", key, "' twice, expected unique names");
    }
    return true;
  };
  try {
    return json::parse(text, callback);
  } catch (const json::exception& e) {
    throw Error(where(file) + "header is not valid JSON (" + e.what() + ")" + kHint);
  }
}

Entry parse_entry(const std::string& name, const json& info, uint64_t data_size,
                  const std::string& file) {
  const std::string what = where(file) + "tensor '" + name + "': ";
  PFGM_CHECK(info.is_object(), what, "entry is not an object: got ", brief(info));
  for (const auto& item : info.items())
    PFGM_CHECK(item.key() == "dtype" || item.key() == "shape" || item.key() == "data_offsets",
               what, "unexpected field: got '", item.key(),
               "', expected only dtype, shape, data_offsets");
  Entry e{name, nullptr, {}, 0, 0};

  PFGM_CHECK(info.contains("dtype") && info["dtype"].is_string(), what,
             "dtype missing or not a string: got ", info.contains("dtype") ? brief(info["dtype"]) : "nothing");
  const auto& dtype = info["dtype"].get_ref<const std::string&>();
  for (const auto& d : kDTypes)
    if (dtype == d.name) e.dtype = &d;
  PFGM_CHECK(e.dtype, what, "unknown dtype: got '", dtype, "', expected one of ", kDTypeNames);

  const json shape = info.value("shape", json());
  bool shape_ok = shape.is_array();
  for (size_t i = 0; shape_ok && i < shape.size(); ++i)
    shape_ok = shape[i].is_number_unsigned() &&
               shape[i].get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max());
  PFGM_CHECK(shape_ok, what, "shape is not a list of non-negative integers: got ", brief(shape));
  PFGM_CHECK(shape.size() <= 32, what, "shape ", brief(shape), " has more than 32 dimensions");
  // The product of the non-zero sizes bounds the strides too (a zero size empties the tensor, not them).
  uint64_t count = 1, extent = 1;
  for (const auto& dim : shape) {
    const uint64_t n = dim.get<uint64_t>();
    e.shape.push_back(static_cast<int64_t>(n));
    PFGM_CHECK(n == 0 || (!__builtin_mul_overflow(extent, n, &extent) && extent <= (uint64_t{1} << 48)), what,
               "shape ", brief(shape), " is too large: more than 2^48 elements");
    count *= n;
  }

  const json offsets = info.value("data_offsets", json());
  PFGM_CHECK(offsets.is_array() && offsets.size() == 2 && offsets[0].is_number_unsigned() &&
                 offsets[1].is_number_unsigned() && offsets[0].get<uint64_t>() <= offsets[1].get<uint64_t>(),
             what, "data_offsets is not two non-negative integers [begin, end] with begin <= end: got ",
             brief(offsets));
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  PFGM_CHECK(e.end <= data_size, what, "data ends beyond the data section: got end offset ", e.end,
             ", expected at most ", data_size, kHint);

  uint64_t bytes = 0;
  PFGM_CHECK(!__builtin_mul_overflow(count, e.dtype->size, &bytes), what, "shape ", brief(shape),
             " is too large: its byte size overflows 64 bits");
  PFGM_CHECK(e.end - e.begin == bytes, what, "byte size does not match shape ", brief(shape),
             " and dtype ", dtype, ": got ", e.end - e.begin, " bytes, expected ", bytes);
  return e;
}

// Validates the JSON header against a data section of `data_size` bytes.
Header parse_header(const std::string& text, uint64_t data_size, const std::string& file) {
  const json root = parse_json(text, file);
  PFGM_CHECK(root.is_object(), where(file), "header is not a JSON object: got a ", root.type_name());
  Header h;
  for (const auto& [name, value] : root.items()) {
    if (name == "__metadata__") {
      PFGM_CHECK(value.is_object(), where(file), "__metadata__ is not an object: got a ",
                 value.type_name());
      for (const auto& [key, v] : value.items()) {
        PFGM_CHECK(v.is_string(), where(file), "__metadata__ value of '", key,
                   "' is not a string: got a ", v.type_name(), ", expected a string");
        h.metadata[key] = v.get<std::string>();
      }
    } else {
      h.entries.push_back(parse_entry(name, value, data_size, file));
    }
  }
  std::stable_sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  const std::string* previous = nullptr;
  for (const auto& e : h.entries) {
    PFGM_CHECK(e.begin >= expected, where(file), "tensor '", e.name, "' overlaps tensor '",
               previous ? *previous : "", "': got begin offset ", e.begin, ", expected ", expected);
    PFGM_CHECK(e.begin == expected, where(file), "unused bytes (a gap) before tensor '", e.name,
               "': got begin offset ", e.begin, ", expected ", expected);
    expected = e.end;
    previous = &e.name;
  }
  PFGM_CHECK(expected == data_size, where(file),
             "unused bytes at the end of the data section: got ", data_size,
             " bytes of data, expected ", expected);
  return h;
}

// Checks values the dtype cannot hold (BOOL bytes other than 0 and 1).
void check_values(const Entry& e, const torch::Tensor& t, const std::string& file) {
  if (e.dtype->type != torch::kBool) return;
  const auto* p = static_cast<const unsigned char*>(t.data_ptr());
  for (uint64_t i = 0; i < e.end - e.begin; ++i)
    PFGM_CHECK(p[i] <= 1, where(file), "tensor '", e.name, "': BOOL byte ", i,
               " is not 0 or 1: got ", int(p[i]));
}

torch::Tensor empty_tensor(const Entry& e) {
  return torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype->type));
}

}  // namespace

const torch::Tensor* SafetensorsFile::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

const torch::Tensor& SafetensorsFile::at(const std::string& name) const {
  const torch::Tensor* t = find(name);
  PFGM_CHECK(t, where(source), "no tensor named '", name, "' (the file has ", tensors.size(),
             " tensors)");
  return *t;
}

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& name_for_errors) {
  const std::string& file = name_for_errors;
  const uint64_t n = header_length(bytes.substr(0, 8), bytes.size(), file);
  Header h = parse_header(bytes.substr(8, n), bytes.size() - 8 - n, file);
  const char* data = bytes.data() + 8 + n;
  SafetensorsFile out{{}, std::move(h.metadata), file};
  for (const auto& e : h.entries) {
    torch::Tensor t = empty_tensor(e);
    if (e.end > e.begin) std::memcpy(t.data_ptr(), data + e.begin, e.end - e.begin);
    check_values(e, t, file);
    out.tensors.emplace_back(e.name, t);
  }
  return out;
}

SafetensorsFile read_safetensors(const std::string& path) {
  struct stat info {};  // POSIX, not std::filesystem: libtorch.so exports a broken copy of it
  PFGM_CHECK(::stat(path.c_str(), &info) == 0, where(path), "cannot read (", std::strerror(errno), ")");
  PFGM_CHECK(!S_ISDIR(info.st_mode), where(path), "cannot read (is a folder, expected a file)");
  PFGM_CHECK(S_ISREG(info.st_mode), where(path), "cannot read (not a regular file: a pipe, socket or device)");
  const auto size = static_cast<uint64_t>(info.st_size);
  std::ifstream in(path, std::ios::binary);
  PFGM_CHECK(in.good(), where(path), "cannot open for reading (", std::strerror(errno), ")");

  std::string first(std::min<uint64_t>(size, 8), '\0');
  in.read(first.data(), static_cast<std::streamsize>(first.size()));
  const uint64_t n = header_length(first, size, path);
  std::string text(n, '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  PFGM_CHECK(in.good(), where(path), "read failed inside the header", kHint);
  Header h = parse_header(text, size - 8 - n, path);

  SafetensorsFile out{{}, std::move(h.metadata), path};
  for (const auto& e : h.entries) {  // sorted and tiling, so a sequential read
    torch::Tensor t = empty_tensor(e);
    const auto bytes = static_cast<std::streamsize>(e.end - e.begin);
    if (bytes > 0) in.read(static_cast<char*>(t.data_ptr()), bytes);
    PFGM_CHECK(in.good() && (bytes == 0 || in.gcount() == bytes), where(path), "tensor '", e.name,
               "': read failed (did the file shrink while reading?)", kHint);
    check_values(e, t, path);
    out.tensors.emplace_back(e.name, t);
  }
  return out;
}

namespace {
// The padded JSON header of `tensors` and their contiguous CPU copies, in order.
void encode_header(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata,
                   const std::string& path, std::string& text, std::vector<torch::Tensor>& data) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const std::string what = where(path) + "tensor '" + name + "': ";
    PFGM_CHECK(name != "__metadata__", what, "name is reserved for the metadata");
    PFGM_CHECK(seen.insert(name).second, what, "duplicate name: got it twice, expected unique names");
    PFGM_CHECK(tensor.defined(), what, "tensor is undefined");
    const DType* dtype = nullptr;
    for (const auto& d : kDTypes)
      if (tensor.scalar_type() == d.type) dtype = &d;
    PFGM_CHECK(dtype, what, "unsupported dtype: got ", tensor.scalar_type(), ", expected one of ",
               kDTypeNames);
    torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = t.nbytes();
    header[name] = {{"dtype", dtype->name},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", nlohmann::ordered_json::array({offset, offset + bytes})}};
    offset += bytes;
    data.push_back(t);
  }
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {  // e.g. a name that is not valid UTF-8
    throw Error(where(path) + "cannot encode the header (" + e.what() + ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
}

void write_encoded(std::ostream& out, const std::string& text, const std::vector<torch::Tensor>& data) {
  char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  out.write(length, 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& t : data)
    if (t.nbytes() > 0)
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
}
}  // namespace

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::string text;
  std::vector<torch::Tensor> data;
  encode_header(tensors, metadata, path, text, data);
  write_atomically(path, [&](std::ostream& out) { write_encoded(out, text, data); });
}

void write_safetensors(std::ostream& out, const NamedTensors& tensors, const std::map<std::string, std::string>& metadata,
                       const std::string& name_for_errors) {
  std::string header;
  std::vector<torch::Tensor> data;
  encode_header(tensors, metadata, name_for_errors, header, data);
  write_encoded(out, header, data);
}

}  // namespace pfgm::io
