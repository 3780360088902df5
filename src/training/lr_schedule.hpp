// Learning-rate schedule: linear warmup from 0, then cosine decay to min_lr (Megatron's
// `--lr-decay-style cosine`, which the seed uses).
#pragma once
#include <cstdint>

namespace lpo::training {

struct LrSchedule {
  double lr = 1e-5;        // peak learning rate, reached at the end of warmup
  double min_lr = 0.0;     // floor reached at the last iteration
  int64_t warmup_iters = 0;
  int64_t decay_iters = 1;  // iterations from the start to the end of decay (= --train-iters)

  /// Learning rate for 0-based iteration `iter`:
  ///   iter < warmup:  lr * (iter + 1) / warmup
  ///   otherwise:      min_lr + (lr - min_lr) * 0.5 * (1 + cos(pi * p)), p = (iter - warmup) / (decay - warmup)
  /// p is clamped to [0, 1].
  double at(int64_t iter) const;
};

}  // namespace lpo::training
