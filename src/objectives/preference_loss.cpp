// preference_loss: input checks, the f-divergence scores, the registered per-example losses
// (weighted when several), WPO weights, LPO's positive regularizer, the mean, and the logged
// metrics (seed: loss_func_xpo in IDEA-Emdoor-Lab/LPO examples/qwen2/pretrain_qwen.py; TRL:
// DPOTrainer._compute_loss; metric names from TRL).
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

bool is_listed(const std::vector<const LossEntry*>& losses, const std::string& name) {
  for (const LossEntry* e : losses)
    if (e->name == name) return true;
  return false;
}

void check_config(const LossConfig& c, const std::vector<const LossEntry*>& losses) {
  check(std::isfinite(c.beta) && c.beta > 0, "loss config: beta must be > 0, got ", c.beta);
  check(std::isfinite(c.gamma) && c.gamma >= 0, "loss config: gamma must be >= 0, got ", c.gamma);
  check(std::isfinite(c.r1) && std::isfinite(c.r2), "loss config: r1 and r2 must be finite");
  check(c.label_smoothing >= 0 && c.label_smoothing <= 0.5,
        "loss config: label_smoothing must be in [0, 0.5], got ", c.label_smoothing);
  check(c.loss_weights.empty() || c.loss_weights.size() == losses.size(), "loss config: ", c.loss_weights.size(),
        " loss weights for the ", losses.size(), " loss types of '", c.type, "'");
  for (double w : c.loss_weights) check(std::isfinite(w), "loss config: loss weights must be finite, got ", w);
  const std::string& f = c.f_divergence;
  check(f == "reverse_kl" || f == "forward_kl" || f == "js_divergence" || f == "alpha_divergence",
        "loss config: unknown f-divergence '", f, "'; valid: reverse_kl, forward_kl, js_divergence, alpha_divergence");
  check(std::isfinite(c.f_alpha), "loss config: f_alpha must be finite");
  if (f != "reverse_kl")
    for (const LossEntry* e : losses)
      check(e->accepts_f_divergence, "loss type ", e->name, " does not use the f-divergence scores; --f-divergence ", f,
            " applies to sigmoid, hinge and TRL's losses (docs/objectives.md)");
  for (const char* name : {"ipo_norm", "sigmoid_norm"})
    check(!(c.is_average && is_listed(losses, name)), "loss type ", name,
          " averages per token itself; drop --is-average");
  if (is_listed(losses, "kto")) {
    check(losses.size() == 1, "loss type kto trains on unpaired data and cannot be combined with other losses");
    check(!c.add_sft_loss && !c.use_weighting && c.ld_alpha == 1.0,
          "loss type kto: --add-sft-loss, --use-weighting and --ld-alpha are for pairs");
    check(std::isfinite(c.desirable_weight) && c.desirable_weight >= 0 && std::isfinite(c.undesirable_weight) &&
              c.undesirable_weight >= 0,
          "loss type kto: desirable and undesirable weights must be >= 0, got ", c.desirable_weight, ", ",
          c.undesirable_weight);
  }
  for (const char* name : {"aot", "aot_unpaired"})
    check(!(c.use_weighting && is_listed(losses, name)), "loss type ", name,
          " sorts log-ratios across pairs, so --use-weighting (per-pair WPO weights) does not apply");
}

/// TRL's scores: f'(exp(x)) of a log-ratio x with the constants dropped, [B].
at::Tensor f_score(const LossConfig& c, const at::Tensor& x) {
  if (c.f_divergence == "forward_kl") return -at::exp(-x);                 // f'(t) = 1 − 1/t
  if (c.f_divergence == "js_divergence") return at::log_sigmoid(x);        // f'(t) = log(2t/(1+t))
  if (c.f_divergence == "alpha_divergence" && std::abs(c.f_alpha - 1.0) >= 1e-6) {
    // f'(t) = (t^(α−1) − 1)/(α − 1); the exponent is clamped at 80 as TRL does.
    return at::exp(((c.f_alpha - 1.0) * x).clamp_max(80.0)) / (c.f_alpha - 1.0);
  }
  return x;  // reverse_kl (and alpha_divergence at α = 1): f'(t) = log t
}

/// LPO's positive regularizer max(0, rc − pc) per pair, [B] (as DPOP / Smaug): it
/// only acts when the policy's chosen log-prob falls below the reference's.
at::Tensor positive_regularizer(const PairLogps& p) {
  return at::relu(p.ref_chosen - p.policy_chosen);
}

/// KTOTrainer's summaries: rewards and log-probs of the desirable completions as "chosen", of
/// the undesirable ones as "rejected", margins their difference. Each is the mean over the
/// batch's completions of that label, 0 when it has none (TRL then skips the value; here every
/// key is always present, which keeps the metric sets of data-parallel ranks equal).
void add_kto_metrics(double beta, const PairLogps& p, Metrics& m) {
  const at::Tensor x = p.chosen_logratio().detach(), logps = p.policy_chosen.detach();
  const at::Tensor good = p.desirable.to(x.scalar_type()), bad = 1 - good;
  auto mean_over = [](const at::Tensor& v, const at::Tensor& w) { return (v * w).sum() / w.sum().clamp_min(1); };
  m["rewards/chosen"] = beta * mean_over(x, good);
  m["rewards/rejected"] = beta * mean_over(x, bad);
  m["rewards/margins"] = m["rewards/chosen"] - m["rewards/rejected"];
  m["logps/chosen"] = mean_over(logps, good);
  m["logps/rejected"] = mean_over(logps, bad);
}

/// Detached reward and log-prob summaries, each a 0-dim tensor, from what `kind` says.
void add_reward_metrics(double beta, RewardKind kind, const PairLogps& p, Metrics& m) {
  if (kind == RewardKind::kto) return add_kto_metrics(beta, p, m);
  at::Tensor pc = p.policy_chosen.detach(), pr = p.policy_rejected.detach();
  at::Tensor chosen, rejected;  // what β multiplies
  if (kind == RewardKind::log_ratio) {
    chosen = p.chosen_logratio().detach();
    rejected = p.rejected_logratio().detach();
  } else if (kind == RewardKind::policy) {
    chosen = pc, rejected = pr;
  } else {
    chosen = pc = p.mean(pc, true);
    rejected = pr = p.mean(pr, false);
  }
  m["rewards/chosen"] = beta * chosen.mean();
  m["rewards/rejected"] = beta * rejected.mean();
  m["rewards/margins"] = beta * (chosen - rejected).mean();
  m["rewards/accuracies"] = (chosen > rejected).to(chosen.scalar_type()).mean();
  m["logps/chosen"] = pc.mean();
  m["logps/rejected"] = pr.mean();
  if (p.ref_chosen.defined()) {
    m["rewards/pl_minus_ref_choose"] = p.chosen_logratio().detach().mean();
    m["rewards/pl_minus_ref_reject"] = p.rejected_logratio().detach().mean();
  }
  m["train/pl_sft_loss_choose"] = -p.policy_chosen.detach().mean();
}

/// The batch as the losses see it (see PairLogps), after the input checks.
PairLogps pair_logps(const LossConfig& config, const PreferenceInputs& in, bool reference) {
  const at::Tensor& first = in.policy_chosen;
  check_logps(first, "policy_chosen", first);
  check(first.numel() > 0, "preference_loss: the batch is empty");
  check_logps(in.policy_rejected, "policy_rejected", first);
  if (reference) {
    check(in.ref_chosen.defined() && in.ref_rejected.defined(), "loss type '", config.type,
          "' needs reference log-probs", config.add_sft_loss ? " (or --add-sft-loss does)" : "",
          ", and these pairs have none: score them with `lpo ref-logprobs` first, or pick a reference-free loss "
          "(simpo, cpo, orpo, sft)");
    check_logps(in.ref_chosen, "ref_chosen", first);
    check_logps(in.ref_rejected, "ref_rejected", first);
  }
  PairLogps p;
  p.average = config.is_average;
  p.policy_chosen = in.policy_chosen, p.policy_rejected = in.policy_rejected;
  if (reference) p.ref_chosen = in.ref_chosen, p.ref_rejected = in.ref_rejected;
  check(in.chosen_tokens.defined() == in.rejected_tokens.defined(),
        "preference_loss: give both chosen_tokens and rejected_tokens, or neither");
  if (in.chosen_tokens.defined()) {
    check_logps(in.chosen_tokens, "chosen_tokens", first);
    check_logps(in.rejected_tokens, "rejected_tokens", first);
    check((in.chosen_tokens > 0).all().item<bool>() && (in.rejected_tokens > 0).all().item<bool>(),
          "preference_loss: token counts must be > 0");
    p.chosen_tokens = in.chosen_tokens.to(first.scalar_type());
    p.rejected_tokens = in.rejected_tokens.to(first.scalar_type());
    if (config.is_average) {  // the inputs are sums; the seed's losses see means
      p.policy_chosen = p.policy_chosen / p.chosen_tokens, p.policy_rejected = p.policy_rejected / p.rejected_tokens;
      if (reference) p.ref_chosen = p.ref_chosen / p.chosen_tokens, p.ref_rejected = p.ref_rejected / p.rejected_tokens;
    }
  }
  if (in.desirable.defined()) {
    check(in.desirable.dim() == 1 && in.desirable.size(0) == first.size(0) && in.desirable.scalar_type() == at::kBool,
          "preference_loss: desirable must be a [B] bool tensor");
    p.desirable = in.desirable.to(first.device());
  }
  if (reference) {
    p.chosen_score = f_score(config, p.chosen_logratio());
    p.rejected_score = f_score(config, p.rejected_logratio());
  }
  return p;
}

}  // namespace

LossOutput preference_loss(const LossConfig& config, const PreferenceInputs& inputs) {
  const std::vector<const LossEntry*> losses = find_losses(config.type);
  check_config(config, losses);
  bool reference = config.add_sft_loss;
  for (const LossEntry* e : losses) reference = reference || e->needs_reference;
  // A reference given to a reference-free loss still feeds the seed's reward metrics.
  reference = reference || (inputs.ref_chosen.defined() && inputs.ref_rejected.defined());
  const PairLogps pairs = pair_logps(config, inputs, reference);
  at::Tensor weights;  // WPO: w_chosen · w_rejected per pair, [B]
  if (config.use_weighting) {
    check(inputs.chosen_weights.defined() && inputs.rejected_weights.defined(),
          "preference_loss: --use-weighting needs the WPO weights (PreferenceInputs::chosen_weights, rejected_weights)");
    check_logps(inputs.chosen_weights, "chosen_weights", inputs.policy_chosen);
    check_logps(inputs.rejected_weights, "rejected_weights", inputs.policy_chosen);
    weights = (inputs.chosen_weights * inputs.rejected_weights).detach().to(inputs.policy_chosen.scalar_type());
  }

  LossOutput out;
  at::Tensor total;
  for (size_t k = 0; k < losses.size(); ++k) {
    at::Tensor values = losses[k]->function(config, pairs, out.metrics);
    if (weights.defined()) values = values * (values.size(0) == weights.size(0) ? weights : weights.repeat({2}));
    at::Tensor mean = values.mean();
    if (losses.size() > 1) out.metrics[std::string("loss/") + losses[k]->name] = mean.detach();
    const double w = config.loss_weights.empty() ? 1.0 : config.loss_weights[k];
    at::Tensor term = w == 1.0 ? mean : w * mean;
    total = k == 0 ? term : total + term;
  }
  out.metrics["train/xpo_wo_sft"] = total.detach();
  if (config.add_sft_loss) {
    total = total + config.gamma * positive_regularizer(pairs).mean();
    out.metrics["train/xpo_with_sft"] = total.detach();
  }
  out.loss = total;
  add_reward_metrics(config.beta, losses.front()->rewards, pairs, out.metrics);
  return out;
}

LossOutput preference_loss(const LossConfig& config, const at::Tensor& policy_chosen,
                           const at::Tensor& policy_rejected, const at::Tensor& ref_chosen,
                           const at::Tensor& ref_rejected) {
  PreferenceInputs inputs;
  inputs.policy_chosen = policy_chosen, inputs.policy_rejected = policy_rejected;
  inputs.ref_chosen = ref_chosen, inputs.ref_rejected = ref_rejected;
  return preference_loss(config, inputs);
}

}  // namespace lpo::objectives
