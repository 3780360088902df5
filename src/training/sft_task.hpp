// Supervised fine-tuning (the seed's --train-mode sft): next-token loss on response tokens.
#pragma once
#include <vector>

#include "data/sft_examples.hpp"
#include "training/task.hpp"
#include "training/train_config.hpp"

namespace lpo::training {

class SftTask : public Task {
 public:
  /// `examples` must outlive the task; `compute` picks the layout (packed by default).
  explicit SftTask(const std::vector<SftTokens>& examples, ComputeOptions compute = {});
  int64_t size() const override { return static_cast<int64_t>(examples_.size()); }
  /// loss = mean negative log-likelihood over all response tokens of the micro-batch (nats/token).
  MicroStep micro_step(const Transformer& model, const std::vector<int64_t>& indices) override;

 private:
  const std::vector<SftTokens>& examples_;
  ComputeOptions compute_;
};

}  // namespace lpo::training
