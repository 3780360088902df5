#include "training/preference_task.hpp"

#include "objectives/batch.hpp"
#include "objectives/response_logps.hpp"

namespace lpo::training {

PreferenceTask::PreferenceTask(const PairSource& pairs, objectives::LossConfig loss, ComputeOptions compute)
    : pairs_(pairs), loss_(std::move(loss)), compute_(compute) {}

MicroStep PreferenceTask::micro_step(const Transformer& model, const std::vector<int64_t>& indices) {
  std::vector<ScoredPair> fetched;
  fetched.reserve(indices.size());
  for (int64_t i : indices) fetched.push_back(pairs_.get(i));
  std::vector<const ScoredPair*> selected;
  for (const ScoredPair& p : fetched) selected.push_back(&p);
  PairBatch batch = collate_pairs(selected, loss_.is_average, compute_.layout);
  const int64_t B = batch.num_pairs;
  at::Tensor policy = objectives::response_logps(model, batch.layout, compute_.logps)
                          .select(loss_.is_average)
                          .to(at::kDouble);  // losses in float64: cheap, and exact against goldens
  const at::Tensor ref = batch.ref_logps.to(policy.device());
  objectives::LossOutput out = objectives::preference_loss(loss_, policy.narrow(0, 0, B), policy.narrow(0, B, B),
                                                           ref.narrow(0, 0, B), ref.narrow(0, B, B));
  MicroStep step{out.loss, {}, batch.layout.num_tokens};
  for (const auto& [name, value] : out.metrics) step.metrics[name] = value.item<double>();
  step.metrics["loss"] = out.loss.item<double>();
  return step;
}

}  // namespace lpo::training
