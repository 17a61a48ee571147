#include "pfgm/io/npy.h"

#include <algorithm>
#include <cstring>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/zip.h"
#include "pfgm/io/input_file.h"

namespace pfgm::io {

namespace {

struct Dtype {
  const char* descr;
  torch::ScalarType type;
};
constexpr Dtype kDtypes[] = {{"|u1", torch::kUInt8}, {"<i8", torch::kInt64}, {"<f4", torch::kFloat32}, {"<f8", torch::kFloat64}};

const Dtype& dtype_of(torch::ScalarType t) {
  for (const auto& d : kDtypes)
    if (d.type == t) return d;
  throw Error(std::string("[npy] unsupported dtype ") + c10::toString(t) + ", expected uint8, int64, float32 or float64");
}

std::string shape_tuple(at::IntArrayRef shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// The value after `'key': ` in a header dict.
std::string field(const std::string& header, const std::string& key, const std::string& name) {
  const auto k = header.find("'" + key + "':");
  PFGM_CHECK(k != std::string::npos, "[npy] ", name, ": header has no '", key, "': ", header);
  size_t v = k + key.size() + 3;
  while (v < header.size() && header[v] == ' ') ++v;
  size_t end = v;
  if (header[v] == '(') end = header.find(')', v) + 1;
  else if (header[v] == '\'') end = header.find('\'', v + 1) + 1;
  else while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  PFGM_CHECK(end != std::string::npos && end > v && end <= header.size(), "[npy] ", name, ": malformed header: ", header);
  return header.substr(v, end - v);
}

}  // namespace

std::string encode_npy(const torch::Tensor& tensor) {
  const auto t = tensor.detach().cpu().contiguous();
  const auto& d = dtype_of(t.scalar_type());
  std::string header = std::string("{'descr': '") + d.descr + "', 'fortran_order': False, 'shape': " +
                       shape_tuple(t.sizes()) + ", }";
  // numpy leaves room for the first axis to grow in place: 21 digits minus those of shape[0]
  // (GROWTH_AXIS_MAX_DIGITS), then pads with spaces and '\n' so that the data starts at a multiple
  // of 64 (ARRAY_ALIGN; a full 64 more when already aligned, as numpy's _wrap_header does).
  if (t.dim() > 0) header.append(21 - std::min<size_t>(21, std::to_string(t.size(0)).size()), ' ');
  const size_t hlen = header.size() + 1;
  header.append(64 - (10 + hlen) % 64, ' ');
  header += '\n';
  PFGM_CHECK(header.size() < 65536, "[npy] shape too long for a version 1.0 header");
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  return out;
}

torch::Tensor decode_npy(const std::string& bytes, const std::string& name) {
  PFGM_CHECK(bytes.size() >= 10 && bytes.compare(0, 6, "\x93NUMPY") == 0, "[npy] ", name, ": not a .npy array (bad magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  PFGM_CHECK(major >= 1 && major <= 3, "[npy] ", name, ": unsupported format version ", major);
  size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    start = 10;
  } else {
    PFGM_CHECK(bytes.size() >= 12, "[npy] ", name, ": truncated header");
    for (int i = 3; i >= 0; --i) header_len = header_len << 8 | static_cast<unsigned char>(bytes[8 + i]);
    start = 12;
  }
  PFGM_CHECK(start + header_len <= bytes.size(), "[npy] ", name, ": header of ", header_len, " bytes runs past the end (",
             bytes.size(), " bytes)");
  const std::string header = bytes.substr(start, header_len);
  const std::string descr = field(header, "descr", name);
  PFGM_CHECK(field(header, "fortran_order", name) == "False", "[npy] ", name, ": Fortran-ordered arrays are not supported");
  const Dtype* dtype = nullptr;
  for (const auto& d : kDtypes)
    if (descr == std::string("'") + d.descr + "'" || (d.type == torch::kUInt8 && descr == "'<u1'")) dtype = &d;
  PFGM_CHECK(dtype, "[npy] ", name, ": dtype ", descr, " not supported (expected |u1, <i8, <f4 or <f8)");
  std::vector<int64_t> shape;
  const std::string tuple = field(header, "shape", name);
  for (size_t i = 1; i < tuple.size();) {
    while (i < tuple.size() && (tuple[i] == ' ' || tuple[i] == ',')) ++i;
    if (i >= tuple.size() || tuple[i] == ')') break;
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(tuple.substr(i), &used);
    } catch (const std::exception&) {
    }
    PFGM_CHECK(used > 0 && v >= 0, "[npy] ", name, ": bad shape ", tuple);
    shape.push_back(v);
    i += used;
  }
  PFGM_CHECK(shape.size() <= 32, "[npy] ", name, ": shape ", tuple, " has more than 32 dimensions");
  // The product of the non-zero sizes bounds the strides too (a zero size empties the array, not them).
  int64_t numel = 1, extent = 1;
  for (auto s : shape) {
    PFGM_CHECK(s == 0 || extent <= (int64_t{1} << 40) / s, "[npy] ", name, ": shape ", tuple, " is too large");
    if (s) extent *= s;
    numel *= s;
  }
  const size_t data_bytes = static_cast<size_t>(numel) * c10::elementSize(dtype->type);
  PFGM_CHECK(bytes.size() - start - header_len == data_bytes, "[npy] ", name, ": shape ", tuple, " needs ", data_bytes,
             " data bytes, the file holds ", bytes.size() - start - header_len);
  auto t = torch::empty(shape, dtype->type);
  if (data_bytes) std::memcpy(t.data_ptr(), bytes.data() + start + header_len, data_bytes);
  return t;
}

void write_npz(const std::string& path, const NamedArrays& arrays) {
  ZipWriter zip(path);
  for (const auto& [key, t] : arrays) zip.add(key + ".npy", encode_npy(t));
  zip.close();
}

NamedArrays read_npz(const std::string& path) {
  check_input_file(path, "npz");
  ZipReader zip(path);
  NamedArrays out;
  for (const auto& member : zip.names()) {
    PFGM_CHECK(member.size() > 4 && member.compare(member.size() - 4, 4, ".npy") == 0, "[npz] ", path, ": member ", member,
               " is not a .npy array");
    out.emplace_back(member.substr(0, member.size() - 4), decode_npy(zip.read(member), path + ":" + member));
  }
  return out;
}

}  // namespace pfgm::io
