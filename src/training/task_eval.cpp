#include "training/task_eval.hpp"

#include <ATen/core/grad_mode.h>

#include "util/error.hpp"

namespace lpo::training {

Metrics evaluate_task(const Transformer& model, Task& task, int64_t batch_size) {
  const int64_t n = task.size();
  check(n > 0, "held-out evaluation: no examples");
  at::NoGradGuard no_grad;
  Metrics sum;
  for (int64_t start = 0; start < n; start += std::max<int64_t>(1, batch_size)) {
    std::vector<int64_t> indices;
    for (int64_t i = start; i < std::min(n, start + std::max<int64_t>(1, batch_size)); ++i) indices.push_back(i);
    MicroStep step = task.micro_step(model, indices);
    const double weight = static_cast<double>(indices.size());
    for (const auto& [k, v] : step.metrics) sum["eval/" + k] += v * weight;
  }
  for (auto& [k, v] : sum) v /= static_cast<double>(n);
  return sum;
}

}  // namespace lpo::training
