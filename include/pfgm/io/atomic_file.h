#pragma once
// Outputs appear complete or not at all: write to "<path>.tmp-<pid>", fsync it, rename it over
// `path` and fsync the folder, so that a crash or power loss leaves the old file or the new one.
#include <functional>
#include <ostream>
#include <string>

namespace pfgm::io {

// Calls `write` on a temporary file beside `path`, flushes and closes it, then renames it to
// `path`. On any exception the temporary file is removed and the exception propagates.
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// The temporary name used for `path`; for writers that need a file name (cairo, libpng).
std::string temporary_path(const std::string& path);

// Syncs `tmp` to disk and renames it over `path` (same folder), then syncs the folder; or removes
// `tmp` and throws pfgm::Error.
void commit_file(const std::string& tmp, const std::string& path);

}  // namespace pfgm::io
