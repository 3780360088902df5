#include "util/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace lpo {

std::string format_duration(double seconds) {
  char buf[32];
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

ProgressBar::ProgressBar(int64_t total, std::string label, bool enabled, int64_t start)
    : total_(total), start_(start), label_(std::move(label)), enabled_(enabled && ::isatty(2)),
      t0_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputc('\n', stderr);
}

void ProgressBar::clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  drawn_ = false;
}

void ProgressBar::update(int64_t done, const std::string& suffix) {
  if (!enabled_ || total_ <= 0) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const double rate = (done - start_) / std::max(elapsed, 1e-9);
  const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  const int width = 30;
  const int filled = static_cast<int>(width * done / total_);
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r\033[K%s [%s] %lld/%lld  %.2f it/s  ETA %s  %s", label_.c_str(), bar.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_), rate,
               format_duration(eta).c_str(), suffix.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace lpo
