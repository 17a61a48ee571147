// libFuzzer's entry for one target, chosen at compile time (PFGM_FUZZ_TARGET); built by
// tests/fuzz/CMakeLists.txt with -fsanitize=fuzzer,address,undefined. Anything that escapes the
// target's entry point is a finding: it is printed and the process aborts so libFuzzer keeps the input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pfgm::fuzz::FuzzTarget* target = pfgm::fuzz::find_fuzz_target(PFGM_FUZZ_TARGET);
  if (!target) {
    std::fprintf(stderr, "no fuzz target named %s\n", PFGM_FUZZ_TARGET);
    std::abort();
  }
  try {
    target->run(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "finding in %s: %s\n", PFGM_FUZZ_TARGET, e.what());
    std::abort();
  }
  return 0;
}
