#pragma once
// The one error type of the library. Messages read "[where] what: got X, expected Y"; the CLI
// prints them as a single line and exits non-zero.
#include <sstream>
#include <stdexcept>
#include <string>

namespace pfgm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream s;
  (s << ... << args);
  return s.str();
}
}  // namespace detail

}  // namespace pfgm

// Throws pfgm::Error with the streamed message when `cond` is false.
#define PFGM_CHECK(cond, ...)                                       \
  do {                                                              \
    if (!(cond)) throw ::pfgm::Error(::pfgm::detail::concat(__VA_ARGS__)); \
  } while (0)
