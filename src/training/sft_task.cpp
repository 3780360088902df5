#include "training/sft_task.hpp"

#include "objectives/batch.hpp"
#include "objectives/response_logps.hpp"

namespace lpo::training {

SftTask::SftTask(const std::vector<SftTokens>& examples, ComputeOptions compute)
    : examples_(examples), compute_(compute) {}

MicroStep SftTask::micro_step(const Transformer& model, const std::vector<int64_t>& indices) {
  std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>> rows;
  for (int64_t i : indices) {
    const SftTokens& e = examples_[static_cast<size_t>(i)];
    rows.emplace_back(&e.prompt, &e.response);
  }
  SequenceLayout layout = collate_sequences(rows, compute_.layout);
  objectives::ResponseLogps lp = objectives::response_logps(model, layout, compute_.logps);
  at::Tensor loss = -lp.sum.sum() / lp.count.sum();
  MicroStep step{loss, {}, layout.num_tokens};
  step.metrics["loss"] = loss.item<double>();
  step.metrics["logps/response"] = lp.mean().mean().item<double>();
  return step;
}

}  // namespace lpo::training
