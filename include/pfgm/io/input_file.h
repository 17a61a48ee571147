#pragma once
// Input files are checked before they are opened: a missing path, a folder, or something that is
// not a regular file (a named pipe would block the reader forever, a device never ends) is a
// pfgm::Error naming the path and the flag or reader it came from.
#include <string>

namespace pfgm::io {

// Throws "[where] path: no such file" / "...: is a folder, expected a file" / "...: not a regular
// file (a pipe, socket or device)" unless `path` is a regular file (links followed).
void check_input_file(const std::string& path, const std::string& where);

}  // namespace pfgm::io
