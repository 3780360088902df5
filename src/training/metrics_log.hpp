// Metric sinks: a human line on stdout and one JSON object per logged step in a JSONL file.
// Names follow TRL (`loss`, `rewards/chosen`, ...) plus the seed's extras.
#pragma once
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "training/tensorboard.hpp"

namespace lpo::training {

using Metrics = std::map<std::string, double>;

class MetricsLog {
 public:
  /// `jsonl_path` "" disables the file. Appends (a resumed run continues the same file).
  /// Throws lpo::Error when the file cannot be opened.
  /// `tensorboard_dir` non-empty also writes TensorBoard event files there.
  /// `console` false: nothing on stdout (data-parallel ranks other than 0).
  explicit MetricsLog(const std::string& jsonl_path, const std::string& tensorboard_dir = "", bool console = true);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  /// Writes `metrics` for 1-based `iteration` of `total` to stdout and the file (flushed).
  void write(int64_t iteration, int64_t total, const Metrics& metrics);

 private:
  std::FILE* file_ = nullptr;
  bool console_ = true;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
};

}  // namespace lpo::training
