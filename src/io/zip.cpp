#include "pfgm/io/zip.h"

#include <zip.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "pfgm/core/error.h"

namespace pfgm::io {

namespace {
constexpr time_t kFixedTime = 315619200;  // 1980-01-02 UTC: still in 1980 in every time zone
constexpr zip_uint64_t kChunk = zip_uint64_t{1} << 20;  // the first read; each next one doubles the data

std::string open_error(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}
}  // namespace

struct ZipReader::Impl {
  zip_t* za = nullptr;
};

ZipReader::ZipReader(const std::string& path) : impl_(std::make_unique<Impl>()), path_(path) {
  int code = 0;
  impl_->za = zip_open(path.c_str(), ZIP_RDONLY, &code);
  PFGM_CHECK(impl_->za, "[zip] ", path, ": cannot open (", open_error(code), ")");
  const zip_int64_t n = zip_get_num_entries(impl_->za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(impl_->za, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_GUESS);
    PFGM_CHECK(name, "[zip] ", path, ": member ", i, " has no readable name (", zip_strerror(impl_->za), ")");
    const std::string s = name;
    if (!s.empty() && s.back() != '/') names_.push_back(s);
  }
}

ZipReader::~ZipReader() {
  if (impl_ && impl_->za) zip_discard(impl_->za);
}

bool ZipReader::contains(const std::string& name) const { return zip_name_locate(impl_->za, name.c_str(), 0) >= 0; }

std::string ZipReader::read(const std::string& name) const {
  const std::string where = "[zip] " + path_ + ": " + name;
  const zip_int64_t index = zip_name_locate(impl_->za, name.c_str(), 0);
  PFGM_CHECK(index >= 0, where, ": no such member");
  zip_stat_t st;
  zip_stat_init(&st);
  PFGM_CHECK(zip_stat_index(impl_->za, static_cast<zip_uint64_t>(index), 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE),
             where, ": cannot read its size (", zip_strerror(impl_->za), ")");
  PFGM_CHECK(st.size <= (zip_uint64_t{1} << 32), where, ": ", st.size, " bytes, more than the 4 GiB accepted");
  zip_file_t* f = zip_fopen_index(impl_->za, static_cast<zip_uint64_t>(index), 0);
  PFGM_CHECK(f, where, ": cannot open (", zip_strerror(impl_->za), ")");
  // In chunks, so that memory follows the data actually inflated, not the size the directory
  // declares (a member declaring gigabytes over a few bytes of data allocates no more than those).
  std::string bytes;
  zip_int64_t got = 0;
  while (bytes.size() < st.size) {
    const size_t before = bytes.size(), chunk = std::min<zip_uint64_t>(st.size - before, std::max<zip_uint64_t>(kChunk, before));
    bytes.resize(before + chunk);
    got = zip_fread(f, bytes.data() + before, chunk);
    if (got <= 0) {
      bytes.resize(before);
      break;
    }
    bytes.resize(before + static_cast<size_t>(got));
  }
  const std::string reason = got < 0 ? zip_file_strerror(f) : "";
  zip_fclose(f);
  PFGM_CHECK(got >= 0, where, ": cannot read (", reason, "); perhaps a corrupt or incomplete zip?");
  PFGM_CHECK(bytes.size() == st.size, where, ": holds ", bytes.size(), " bytes, its directory declares ", st.size,
             "; perhaps a corrupt or incomplete zip?");
  return bytes;
}

struct ZipWriter::Impl {
  zip_t* za = nullptr;
};

ZipWriter::ZipWriter(const std::string& path) : impl_(std::make_unique<Impl>()), path_(path) {
  int code = 0;
  impl_->za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  PFGM_CHECK(impl_->za, "[zip] ", path, ": cannot create (", open_error(code), ")");
}

ZipWriter::~ZipWriter() {
  if (impl_ && impl_->za) zip_discard(impl_->za);
}

void ZipWriter::add(const std::string& name, const std::string& bytes) {
  PFGM_CHECK(impl_->za, "[zip] ", path_, ": already closed");
  void* copy = std::malloc(bytes.size() ? bytes.size() : 1);  // libzip frees it (freep = 1)
  PFGM_CHECK(copy, "[zip] ", path_, ": out of memory adding ", name);
  std::memcpy(copy, bytes.data(), bytes.size());
  zip_source_t* src = zip_source_buffer(impl_->za, copy, bytes.size(), 1);
  if (!src) std::free(copy);
  PFGM_CHECK(src, "[zip] ", path_, ": cannot add ", name, " (", zip_strerror(impl_->za), ")");
  const zip_int64_t index = zip_file_add(impl_->za, name.c_str(), src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
  if (index < 0) zip_source_free(src);
  PFGM_CHECK(index >= 0, "[zip] ", path_, ": cannot add ", name, " (", zip_strerror(impl_->za), ")");
  PFGM_CHECK(zip_set_file_compression(impl_->za, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) == 0, "[zip] ",
             path_, ": cannot store ", name, " uncompressed (", zip_strerror(impl_->za), ")");
  // A fixed time stamp (early 1980, the format's first year), so that equal contents give equal files.
  PFGM_CHECK(zip_file_set_mtime(impl_->za, static_cast<zip_uint64_t>(index), kFixedTime, 0) == 0, "[zip] ", path_,
             ": cannot set the time of ", name, " (", zip_strerror(impl_->za), ")");
}

void ZipWriter::close() {
  PFGM_CHECK(impl_->za, "[zip] ", path_, ": already closed");
  if (zip_close(impl_->za) != 0) {
    const std::string reason = zip_strerror(impl_->za);
    zip_discard(impl_->za);
    impl_->za = nullptr;
    throw Error("[zip] " + path_ + ": cannot write (" + reason + ")");
  }
  impl_->za = nullptr;
}

}  // namespace pfgm::io
