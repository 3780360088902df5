#include "training/sft_task.hpp"

#include "data/batch.hpp"
#include "objectives/response_logps.hpp"

namespace lpo::training {

SftTask::SftTask(const std::vector<SftTokens>& examples) : examples_(examples) {}

MicroStep SftTask::micro_step(const Transformer& model, const std::vector<int64_t>& indices) {
  std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>> rows;
  for (int64_t i : indices) {
    const SftTokens& e = examples_[static_cast<size_t>(i)];
    rows.emplace_back(&e.prompt, &e.response);
  }
  SequenceBatch batch = collate_sequences(rows);
  objectives::ResponseLogps lp = objectives::response_logps(model, batch.ids, batch.attention_mask, batch.loss_mask);
  at::Tensor loss = -lp.sum.sum() / lp.count.sum();
  MicroStep step{loss, {}, batch.num_tokens};
  step.metrics["loss"] = loss.item<double>();
  step.metrics["logps/response"] = lp.mean().mean().item<double>();
  return step;
}

}  // namespace lpo::training
