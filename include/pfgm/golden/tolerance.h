#pragma once
// The tolerance of a golden case file: one number (relative error for every output), or a list
// "name[, name…]: value [relative|absolute]; …" where a name covers out.<name> and out.<name><digits>.
#include <string>
#include <vector>

namespace pfgm::golden {

struct Tolerance {
  double value = 0;
  bool relative = true;  // max|got − expected| / max|expected|; else max|got − expected|
};

class ToleranceTable {
 public:
  static ToleranceTable parse(const std::string& text);  // throws pfgm::Error on malformed text
  static ToleranceTable uniform(double value);
  // The tolerance for output `name`; throws pfgm::Error when the table does not cover it.
  Tolerance for_output(const std::string& name) const;

 private:
  struct Entry {
    std::vector<std::string> names;  // empty: every output
    Tolerance tolerance;
  };
  std::vector<Entry> entries_;
};

}  // namespace pfgm::golden
