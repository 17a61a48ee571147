#pragma once
// Output folders, made with their parents as `mkdir -p` does; a failure is a pfgm::Error naming
// the folder and the flag it came from (never a bare filesystem exception).
#include <string>

namespace pfgm::io {

// Makes `path` and any missing parents; `flag` (e.g. "--outdir") prefixes the error message.
void make_output_folder(const std::string& path, const std::string& flag);

}  // namespace pfgm::io
