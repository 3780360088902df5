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
  PairBatch batch = collate_pairs(selected, /*is_average=*/false, compute_.layout);  // reference sums
  const int64_t B = batch.num_pairs;
  objectives::ResponseLogpsOptions options = compute_.logps;
  options.ld_alpha = loss_.ld_alpha;
  options.wpo_weights = loss_.use_weighting;
  const objectives::ResponseLogps lp = objectives::response_logps(model, batch.layout, options);
  // Losses in float64: cheap, and exact against goldens. Sums and counts: preference_loss
  // applies --is-average, and the per-token losses divide by the counts themselves.
  const at::Tensor policy = lp.sum.to(at::kDouble), count = lp.count.to(at::kDouble);
  objectives::PreferenceInputs in;
  in.policy_chosen = policy.narrow(0, 0, B), in.policy_rejected = policy.narrow(0, B, B);
  in.chosen_tokens = count.narrow(0, 0, B), in.rejected_tokens = count.narrow(0, B, B);
  if (pairs_.scored()) {
    const at::Tensor ref = batch.ref_logps.to(policy.device());
    in.ref_chosen = ref.narrow(0, 0, B), in.ref_rejected = ref.narrow(0, B, B);
  }
  if (lp.wpo_weight.defined()) {
    const at::Tensor w = lp.wpo_weight.to(at::kDouble);
    in.chosen_weights = w.narrow(0, 0, B), in.rejected_weights = w.narrow(0, B, B);
  }
  if (loss_.type == "kto") {  // KTO data: chosen = completions, rejected = KL completions
    std::vector<uint8_t> labels;
    for (const ScoredPair& p : fetched) labels.push_back(p.desirable ? 1 : 0);
    in.desirable = at::tensor(labels, at::kByte).to(at::kBool);
  }
  objectives::LossOutput out = objectives::preference_loss(loss_, in);
  MicroStep step{out.loss, {}, batch.layout.num_tokens};
  for (const auto& [name, value] : out.metrics) step.metrics[name] = value.item<double>();
  step.metrics["loss"] = out.loss.item<double>();
  return step;
}

}  // namespace lpo::training
