// Minimal leveled logging to stderr; stdout is kept for results (JSON lines, tables).
#pragma once
#include <string>

#include "util/error.hpp"

namespace lpo::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level level);
Level level();
void write(Level level, const std::string& message);

template <typename... Args>
void info(Args&&... args) { write(Level::info, detail::concat(std::forward<Args>(args)...)); }
template <typename... Args>
void warn(Args&&... args) { write(Level::warn, detail::concat(std::forward<Args>(args)...)); }
template <typename... Args>
void debug(Args&&... args) { write(Level::debug, detail::concat(std::forward<Args>(args)...)); }

}  // namespace lpo::log
