#include "training/lr_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace lpo::training {

double LrSchedule::at(int64_t iter) const {
  if (iter < warmup_iters) return lr * static_cast<double>(iter + 1) / static_cast<double>(warmup_iters);
  const int64_t span = std::max<int64_t>(1, decay_iters - warmup_iters);
  const double p = std::clamp(static_cast<double>(iter - warmup_iters) / static_cast<double>(span), 0.0, 1.0);
  return min_lr + (lr - min_lr) * 0.5 * (1.0 + std::cos(M_PI * p));
}

}  // namespace lpo::training
