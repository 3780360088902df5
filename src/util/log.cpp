#include "util/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace lpo::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_mutex;
const char* tag(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warning";
    case Level::error: return "error";
  }
  return "";
}
}  // namespace

void set_level(Level l) { g_level = static_cast<int>(l); }
Level level() { return static_cast<Level>(g_level.load()); }

void write(Level l, const std::string& message) {
  if (static_cast<int>(l) < g_level) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "[lpo %s] %s\n", tag(l), message.c_str());
  std::fflush(stderr);
}

}  // namespace lpo::log
