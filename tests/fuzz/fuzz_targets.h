#pragma once
// The fuzz targets: one entry point per parser of outside bytes. An entry returns normally when
// the parser accepts the bytes (and the accepted value passes its property check) or rejects them
// with pfgm::Error; anything else escapes: PropertyViolation, a torch or std exception, or a
// sanitizer report. libFuzzer drives the entries (tests/fuzz/driver, tools/fuzz.sh) and the test
// suite replays every file of tests/fuzz/corpus/<target>/ through the same entries.
#include <stdexcept>
#include <string>
#include <vector>

namespace pfgm::fuzz {

struct PropertyViolation : std::logic_error {
  using std::logic_error::logic_error;
};

struct FuzzTarget {
  const char* name;  // also the corpus folder's name
  bool (*run)(const std::string& bytes);  // true: accepted, false: rejected with pfgm::Error
};

const std::vector<FuzzTarget>& fuzz_targets();
const FuzzTarget* find_fuzz_target(const std::string& name);  // nullptr when unknown

}  // namespace pfgm::fuzz
