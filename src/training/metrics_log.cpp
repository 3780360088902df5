#include "training/metrics_log.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace lpo::training {

MetricsLog::MetricsLog(const std::string& jsonl_path, const std::string& tensorboard_dir, bool console)
    : console_(console) {
  if (!tensorboard_dir.empty()) tensorboard_ = std::make_unique<TensorBoardWriter>(tensorboard_dir);
  if (jsonl_path.empty()) return;
  file_ = std::fopen(jsonl_path.c_str(), "a");
  check(file_ != nullptr, "cannot open metrics log '", jsonl_path, "': ", std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::write(int64_t iteration, int64_t total, const Metrics& metrics) {
  // The console line shows the headline numbers; the file keeps everything.
  static const char* headline[] = {"loss", "rewards/accuracies", "rewards/margins", "logps/chosen",
                                   "logps/rejected", "grad_norm", "learning_rate", "tokens_per_s"};
  char buf[64];
  std::string line = "iter " + std::to_string(iteration) + "/" + std::to_string(total);
  for (const char* key : headline) {
    auto it = metrics.find(key);
    if (it == metrics.end()) continue;
    std::snprintf(buf, sizeof buf, " | %s %.4g", key, it->second);
    line += buf;
  }
  for (const auto& [key, value] : metrics)  // held-out evaluations
    if (key.rfind("eval/", 0) == 0) {
      std::snprintf(buf, sizeof buf, " | %s %.4g", key.c_str(), value);
      line += buf;
    }
  if (console_) std::cout << line << std::endl;
  if (tensorboard_) tensorboard_->write(iteration, metrics);
  if (!file_) return;
  nlohmann::json j = {{"iteration", iteration}};
  for (const auto& [k, v] : metrics) j[k] = v;
  const std::string text = j.dump() + "\n";
  std::fputs(text.c_str(), file_);
  std::fflush(file_);
}

}  // namespace lpo::training
