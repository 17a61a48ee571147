#include "pfgm/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <memory>
#include <vector>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/input_file.h"

namespace pfgm::data {

namespace {
constexpr uint64_t kChunk = uint64_t{1} << 20;  // the first read; each next one doubles the data

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

// Reads exactly n bytes; false at a premature end.
bool read_exact(gzFile f, void* dst, size_t n) {
  auto* p = static_cast<unsigned char*>(dst);
  while (n > 0) {
    const unsigned chunk = n > (1u << 30) ? (1u << 30) : static_cast<unsigned>(n);
    const int got = gzread(f, p, chunk);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

uint32_t big_endian(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}
}  // namespace

torch::Tensor read_idx(const std::string& path) {
  io::check_input_file(path, "idx");
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));  // reads plain files too
  PFGM_CHECK(f, "[idx] ", path, ": cannot open");
  unsigned char magic[4];
  PFGM_CHECK(read_exact(f.get(), magic, 4), "[idx] ", path, ": shorter than its 4-byte magic number");
  PFGM_CHECK(magic[0] == 0 && magic[1] == 0, "[idx] ", path, ": not an idx file (magic number ", big_endian(magic), ")");
  PFGM_CHECK(magic[2] == 0x08, "[idx] ", path, ": element type 0x", std::hex, int{magic[2]},
             ", expected 0x08 (unsigned bytes)");
  const int dims = magic[3];
  PFGM_CHECK(dims >= 1 && dims <= 4, "[idx] ", path, ": ", dims, " dimensions, expected 1 to 4");
  std::vector<int64_t> shape;
  uint64_t total = 1;
  for (int i = 0; i < dims; ++i) {
    unsigned char b[4];
    PFGM_CHECK(read_exact(f.get(), b, 4), "[idx] ", path, ": header ends inside the size of dimension ", i);
    const uint32_t n = big_endian(b);
    PFGM_CHECK(n > 0, "[idx] ", path, ": dimension ", i, " has size 0");
    total *= n;
    PFGM_CHECK(total <= (uint64_t{1} << 34), "[idx] ", path, ": the header claims more than 16 GiB of data");
    shape.push_back(n);
  }
  // Read in chunks, so that memory follows the data present rather than the header's claim (a
  // gzip whose header announces gigabytes it does not hold allocates no more than it holds).
  std::string data;
  while (data.size() < total) {
    const size_t before = data.size(), chunk = std::min<uint64_t>(total - before, std::max<uint64_t>(kChunk, before));
    data.resize(before + chunk);
    PFGM_CHECK(read_exact(f.get(), data.data() + before, chunk), "[idx] ", path, ": the header announces ", total,
               " bytes of data, the file holds fewer");
  }
  auto t = torch::empty(shape, torch::kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), data.data(), total);
  unsigned char extra;
  PFGM_CHECK(gzread(f.get(), &extra, 1) == 0, "[idx] ", path, ": data continues after the ", total,
             " bytes the header announces");
  return t;
}

}  // namespace pfgm::data
