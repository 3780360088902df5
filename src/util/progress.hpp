// A one-line progress bar with rate and ETA, drawn on stderr only when it is a terminal.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace lpo {

class ProgressBar {
 public:
  /// `total` steps; disabled (no output) when `enabled` is false or stderr is not a terminal.
  ProgressBar(int64_t total, std::string label, bool enabled = true, int64_t start = 0);
  ~ProgressBar();
  /// Marks step `done` (absolute) as finished; `suffix` is shown after the bar.
  void update(int64_t done, const std::string& suffix = "");
  /// Clears the line so a log message can be printed cleanly.
  void clear();

 private:
  int64_t total_, start_;
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point t0_;
};

/// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace lpo
