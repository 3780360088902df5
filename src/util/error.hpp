// lpo::Error: the one exception type users see. Messages say what to do:
// which file, line, field or tensor, what was expected and what was found.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace lpo {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Args>
std::string concat(Args&&... args) {
  std::ostringstream out;
  (out << ... << std::forward<Args>(args));
  return out.str();
}
}  // namespace detail

/// Throws lpo::Error with the streamed arguments as its message.
template <typename... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(detail::concat(std::forward<Args>(args)...));
}

/// Throws lpo::Error(message...) unless `condition` holds.
template <typename... Args>
void check(bool condition, Args&&... args) {
  if (!condition) fail(std::forward<Args>(args)...);
}

}  // namespace lpo
