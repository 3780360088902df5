// preference_loss: input checks, the registered per-example loss, LPO's positive
// regularizer, the mean, and the logged metrics (seed: loss_func_xpo in
// IDEA-Emdoor-Lab/LPO examples/qwen2/pretrain_qwen.py; metric names from TRL).
#include "objectives/preference_loss.hpp"

#include <cmath>

#include "objectives/registry.hpp"
#include "util/error.hpp"

namespace lpo::objectives {
namespace {

void check_logps(const at::Tensor& t, const char* name, const at::Tensor& first) {
  check(t.defined(), "preference_loss: ", name, " is undefined");
  check(t.dim() == 1, "preference_loss: ", name, " must be 1-D [B] sequence log-probs, got shape ",
        t.sizes());
  check(at::isFloatingType(t.scalar_type()), "preference_loss: ", name,
        " must be float32 or float64, got ", t.scalar_type());
  check(t.sizes() == first.sizes(), "preference_loss: ", name, " has shape ", t.sizes(),
        " but policy_chosen has ", first.sizes());
  check(t.device() == first.device(), "preference_loss: ", name, " is on ", t.device(),
        " but policy_chosen is on ", first.device());
}

void check_config(const LossConfig& c) {
  check(std::isfinite(c.beta) && c.beta > 0, "loss config: beta must be > 0, got ", c.beta);
  check(std::isfinite(c.gamma) && c.gamma >= 0, "loss config: gamma must be >= 0, got ", c.gamma);
  check(std::isfinite(c.r1) && std::isfinite(c.r2), "loss config: r1 and r2 must be finite");
  check(c.label_smoothing >= 0 && c.label_smoothing <= 0.5,
        "loss config: label_smoothing must be in [0, 0.5], got ", c.label_smoothing);
}

/// LPO's positive regularizer max(0, rc − pc) per pair, [B] (as DPOP / Smaug): it
/// only acts when the policy's chosen log-prob falls below the reference's.
at::Tensor positive_regularizer(const PairLogps& p) {
  return at::relu(p.ref_chosen - p.policy_chosen);
}

/// Detached reward and log-prob summaries, each a 0-dim tensor.
void add_reward_metrics(double beta, const PairLogps& p, Metrics& m) {
  at::Tensor x1 = p.chosen_logratio().detach(), x2 = p.rejected_logratio().detach();
  at::Tensor pc = p.policy_chosen.detach(), pr = p.policy_rejected.detach();
  m["rewards/chosen"] = beta * x1.mean();
  m["rewards/rejected"] = beta * x2.mean();
  m["rewards/margins"] = beta * (x1 - x2).mean();
  m["rewards/accuracies"] = (x1 > x2).to(x1.scalar_type()).mean();
  m["logps/chosen"] = pc.mean();
  m["logps/rejected"] = pr.mean();
  m["rewards/pl_minus_ref_choose"] = x1.mean();
  m["rewards/pl_minus_ref_reject"] = x2.mean();
  m["train/pl_sft_loss_choose"] = -pc.mean();
}

}  // namespace

LossOutput preference_loss(const LossConfig& config, const at::Tensor& policy_chosen,
                           const at::Tensor& policy_rejected, const at::Tensor& ref_chosen,
                           const at::Tensor& ref_rejected) {
  LossFunction loss_function = find_loss(config.type);
  check_config(config);
  check_logps(policy_chosen, "policy_chosen", policy_chosen);
  check(policy_chosen.numel() > 0, "preference_loss: the batch is empty");
  check_logps(policy_rejected, "policy_rejected", policy_chosen);
  check_logps(ref_chosen, "ref_chosen", policy_chosen);
  check_logps(ref_rejected, "ref_rejected", policy_chosen);

  PairLogps pairs{policy_chosen, policy_rejected, ref_chosen, ref_rejected};
  LossOutput out;
  at::Tensor values = loss_function(config, pairs, out.metrics);
  out.metrics["train/xpo_wo_sft"] = values.detach().mean();
  if (config.add_sft_loss) {
    at::Tensor reg = positive_regularizer(pairs);
    // kto_pair's values are [chosen half; rejected half]: regularize both halves.
    if (values.size(0) != reg.size(0)) reg = reg.repeat({values.size(0) / reg.size(0)});
    values = values + config.gamma * reg;
    out.metrics["train/xpo_with_sft"] = values.detach().mean();
  }
  out.loss = values.mean();
  add_reward_metrics(config.beta, pairs, out.metrics);
  return out;
}

}  // namespace lpo::objectives
