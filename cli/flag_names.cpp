#include "flag_names.h"

namespace pfgm::cli {

namespace {
std::map<const CLI::App*, std::map<std::string, std::string>>& field_names() {
  static std::map<const CLI::App*, std::map<std::string, std::string>> names;
  return names;
}

// The subcommand that ran: the deepest one parsed.
const CLI::App* command_run(const CLI::App& app) {
  for (const auto* sub : app.get_subcommands()) return command_run(*sub);
  return &app;
}
}  // namespace

void name_fields(CLI::App* command, const std::map<std::string, std::string>& field_to_flag) {
  for (const auto& [field, flag] : field_to_flag) field_names()[command][field] = flag;
}

namespace {
// The command's flag for one field, or "".
std::string flag_of(const CLI::App& command, const std::string& field) {
  const auto names = field_names().find(&command);
  if (names != field_names().end() && names->second.count(field)) return names->second.at(field);
  if (field.empty() || field.rfind("--", 0) == 0) return "";
  return command.get_option_no_throw("--" + field) ? "--" + field : "";
}
}  // namespace

std::string with_flag_names(const CLI::App& app, const std::string& message) {
  if (message.empty() || message[0] != '[') return message;
  const auto end = message.find(']');
  if (end == std::string::npos) return message;
  const CLI::App& command = *command_run(app);
  // "[a/b]" names two fields; each is said as its flag when it has one.
  std::string tag, rest = message.substr(1, end - 1);
  bool any = false;
  for (size_t start = 0; start <= rest.size();) {
    const size_t slash = std::min(rest.find('/', start), rest.size());
    const std::string field = rest.substr(start, slash - start), flag = flag_of(command, field);
    any = any || !flag.empty();
    tag += (start ? "/" : "") + (flag.empty() ? field : flag);
    start = slash + 1;
  }
  return any ? "[" + tag + message.substr(end) : message;
}

}  // namespace pfgm::cli
