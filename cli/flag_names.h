#pragma once
// Library errors name the library's own fields ("[total_nimg] got 0 images"); the CLI says them
// with its flags ("[--duration] got 0 images"). A field becomes the flag of the same name, or the
// flag a command declares for it.
#include <map>
#include <string>

#include <CLI/CLI.hpp>

namespace pfgm::cli {

// Declares that errors about `field` from this command's library calls concern `flag`.
void name_fields(CLI::App* command, const std::map<std::string, std::string>& field_to_flag);

// The message with its leading "[field]" said as the command's flag, when the command has one.
std::string with_flag_names(const CLI::App& app, const std::string& message);

}  // namespace pfgm::cli
