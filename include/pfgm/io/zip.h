#pragma once
// Zip archives through libzip: reading the members of a dataset zip (spec 6.2) and writing the
// STORED (uncompressed) zip that dataset_tool.py writes (spec 6.1).
#include <memory>
#include <string>
#include <vector>

namespace pfgm::io {

// A zip opened for reading; member names as stored (folders, which end in '/', left out).
class ZipReader {
 public:
  explicit ZipReader(const std::string& path);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const;
  // The bytes of member `name`; throws pfgm::Error naming the zip and member when it cannot be read.
  std::string read(const std::string& name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> names_;
  std::string path_;
};

// A zip written at close(): libzip writes a temporary file beside `path` and renames it, so a
// writer destroyed without close() (an exception) leaves nothing at `path`.
class ZipWriter {
 public:
  explicit ZipWriter(const std::string& path);
  ~ZipWriter();  // discards the archive unless close() succeeded
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  // Adds member `name` holding `bytes`, stored without compression (ZIP_CM_STORE), dated
  // early 1980 so that the same members give the same bytes.
  void add(const std::string& name, const std::string& bytes);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace pfgm::io
