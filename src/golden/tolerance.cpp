#include "pfgm/golden/tolerance.h"

#include <cctype>
#include <sstream>

#include "pfgm/core/error.h"

namespace pfgm::golden {

namespace {
std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);)
    if (!trim(part).empty()) out.push_back(trim(part));
  return out;
}
Tolerance parse_value(const std::string& text, const std::string& whole) {
  Tolerance t;
  bool have_value = false;
  for (const auto& word : split(text, ' ')) {
    if (word == "relative") t.relative = true;
    else if (word == "absolute") t.relative = false;
    else {
      size_t used = 0;
      try {
        t.value = std::stod(word, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      PFGM_CHECK(used == word.size() && t.value >= 0, "[golden] tolerance '", whole, "': cannot read '", word, "'");
      have_value = true;
    }
  }
  PFGM_CHECK(have_value, "[golden] tolerance '", whole, "': no value");
  return t;
}
}  // namespace

ToleranceTable ToleranceTable::parse(const std::string& text) {
  ToleranceTable table;
  for (const auto& item : split(text, ';')) {
    const auto colon = item.find(':');
    if (colon == std::string::npos) {
      table.entries_.push_back({{}, parse_value(item, text)});
    } else {
      table.entries_.push_back({split(item.substr(0, colon), ','), parse_value(item.substr(colon + 1), text)});
    }
  }
  PFGM_CHECK(!table.entries_.empty(), "[golden] tolerance: empty");
  return table;
}

ToleranceTable ToleranceTable::uniform(double value) {
  ToleranceTable table;
  table.entries_.push_back({{}, {value, true}});
  return table;
}

Tolerance ToleranceTable::for_output(const std::string& name) const {
  auto covers = [&](const std::string& n) {
    if (name == n) return true;
    if (name.compare(0, n.size(), n) != 0) return false;
    for (size_t i = n.size(); i < name.size(); ++i)
      if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
    return true;
  };
  for (const auto& e : entries_) {
    if (e.names.empty()) return e.tolerance;
    for (const auto& n : e.names)
      if (covers(n)) return e.tolerance;
  }
  throw Error("[golden] the tolerance does not cover output '" + name + "'");
}

}  // namespace pfgm::golden
