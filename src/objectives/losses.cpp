// Per-example preference losses. The seed's mirror one branch each of its loss_func_xpo
// (IDEA-Emdoor-Lab/LPO, examples/qwen2/pretrain_qwen.py); TRL's follow huggingface/trl (files
// named at each group). Formulas and papers: preference_loss.hpp, docs/objectives.md.
#include "objectives/losses.hpp"

#include <cmath>

#include "util/error.hpp"

namespace lpo::objectives {
namespace {

/// The policy-minus-reference log-ratio margin: (pc − pr) − (rc − rr), [B].
at::Tensor logits_of(const PairLogps& p) { return p.chosen_logratio() - p.rejected_logratio(); }

/// LPO's offset 1/(2β) (the target margin, as in IPO).
double offset(const LossConfig& c) { return 1.0 / (2.0 * c.beta); }

/// The two straight-through terms of lpo-ste: |x1 − sg(x2) − c| (gradient only to
/// x1) and |sg(x1) − x2 − c| (gradient only to x2), each [B].
std::pair<at::Tensor, at::Tensor> ste_terms(const at::Tensor& x1, const at::Tensor& x2, double c) {
  return {at::abs(x1 - x2.detach() - c), at::abs(x1.detach() - x2 - c)};
}

/// log(1 − e^x) for x < 0, stable at both ends (Mächler 2012).
at::Tensor log1mexp(const at::Tensor& x) {
  return at::where(x > -M_LN2, at::log(-at::expm1(x)), at::log1p(-at::exp(x)));
}

/// The chosen responses' negative log-likelihood per token over the batch, 0-dim.
at::Tensor chosen_nll(const PairLogps& p, const char* who) {
  return -p.sum(p.policy_chosen, true).sum() / p.tokens(true, who).sum();
}

}  // namespace

at::Tensor PairLogps::sum(const at::Tensor& logps, bool chosen) const {
  return average ? logps * tokens(chosen, "a summed log-prob") : logps;
}

at::Tensor PairLogps::mean(const at::Tensor& logps, bool chosen) const {
  return average ? logps : logps / tokens(chosen, "a per-token log-prob");
}

const at::Tensor& PairLogps::tokens(bool chosen, const char* who) const {
  const at::Tensor& t = chosen ? chosen_tokens : rejected_tokens;
  check(t.defined(), "preference_loss: ", who, " needs the response token counts (PreferenceInputs::",
        chosen ? "chosen_tokens" : "rejected_tokens", ")");
  return t;
}

// DPO, Rafailov et al. 2023, eq. 7; label smoothing as conservative DPO (cDPO).
// Reads the f-divergence scores (= the log-ratios for reverse_kl), as TRL.
at::Tensor sigmoid_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  at::Tensor z = c.beta * p.delta_score();
  return -at::log_sigmoid(z) * (1 - c.label_smoothing) - at::log_sigmoid(-z) * c.label_smoothing;
}

// Hinge loss of SLiC (Zhao et al. 2023) on the β-scaled margin (of the f-divergence scores).
at::Tensor hinge_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  return at::relu(1 - c.beta * p.delta_score());
}

// IPO, Azar et al. 2023, eq. 17 (β is the paper's τ). The seed rescales by 8β² when
// the positive regularizer is on, to put both terms on the same footing.
at::Tensor ipo_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  double factor = c.add_sft_loss ? (2 * c.beta) * (2 * c.beta) * 2.0 : 1.0;
  return factor * (logits_of(p) - offset(c)).pow(2);
}

// LPO: absolute difference in place of log-sigmoid ("gradient decoupling") with the
// offset constraint 1/(2β), scaled by 4β as in the seed.
at::Tensor lpo_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  return (2 * c.beta) * 2.0 * at::abs(logits_of(p) - offset(c));
}

// LPO with fixed weights r1, r2 on the chosen and rejected log-ratios.
at::Tensor lpo_r_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  at::Tensor x = c.r1 * p.chosen_logratio() - c.r2 * p.rejected_logratio();
  return (2 * c.beta) * 2.0 * at::abs(x - offset(c));
}

// LPO's recipe: "gradient separation with straight-through estimation"; r2/r1 sets
// how fast the rejected log-prob is pushed down relative to the chosen one's rise.
at::Tensor lpo_ste_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  check(c.r1 + c.r2 != 0, "loss type lpo-ste: r1 + r2 must not be 0 (got r1=", c.r1,
        ", r2=", c.r2, "): the loss is scaled by 2/(r1 + r2)");
  auto [chosen, rejected] = ste_terms(p.chosen_logratio(), p.rejected_logratio(), offset(c));
  return (2 * c.beta) * (2.0 / (c.r1 + c.r2)) * (c.r1 * chosen + c.r2 * rejected);
}

// lpo-ste with r1 = 1 and a per-example r2 = exp(x2)/exp(x1) (detached), written as
// exp(x2 − x1) so that large log-ratios do not overflow; c.r1 and c.r2 are ignored.
at::Tensor lpo_ste_dynamic_loss(const LossConfig& c, const PairLogps& p, Metrics& metrics) {
  at::Tensor x1 = p.chosen_logratio(), x2 = p.rejected_logratio();
  at::Tensor r2 = at::exp((x2 - x1).detach());
  metrics["r2_dynamic"] = r2.mean();
  auto [chosen, rejected] = ste_terms(x1, x2, offset(c));
  return (2 * c.beta) * (2.0 / (1.0 + r2)) * (chosen + r2 * rejected);
}

// KTO on pairs (Ethayarajh et al. 2024, eq. 7 of the HALOs paper): each half's KL
// reference point is estimated from the other half's batch mean (not detached, as in
// the seed). Returns [2B]: chosen values, then rejected values.
at::Tensor kto_pair_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  at::Tensor x1 = p.chosen_logratio(), x2 = p.rejected_logratio();
  at::Tensor chosen_kl = x1.mean().clamp_min(0), rejected_kl = x2.mean().clamp_min(0);
  return at::cat({1 - at::sigmoid(c.beta * (x1 - rejected_kl)),
                  1 - at::sigmoid(c.beta * (chosen_kl - x2))});
}

// ---- TRL's loss zoo (huggingface/trl trainer/dpo_trainer.py, DPOTrainer._compute_loss).
// "scores" are PairLogps::chosen_score / rejected_score (the f-divergence of the log-ratios).

// TRL's "ipo": the IPO loss on per-token averaged scores (TRL normalizes by the completion
// lengths, as the IPO authors confirmed); the seed's `ipo` keeps summed log-probs.
at::Tensor ipo_norm_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  at::Tensor delta = p.chosen_score / p.tokens(true, "ipo_norm") - p.rejected_score / p.tokens(false, "ipo_norm");
  return (delta - offset(c)).pow(2);
}

// EXO-pref (Ji et al. 2024, eq. 16): KL(p_θ ‖ p_ε) over {chosen, rejected} with
// p_θ = softmax of the β-scaled scores and target [1 − ε, ε] (ε = label_smoothing > 0).
at::Tensor exo_pair_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  const double eps = c.label_smoothing;
  check(eps > 0, "loss type exo_pair: --label-smoothing must be > 0 (the target is [1 - eps, eps]; "
        "the EXO paper uses 1e-3), got ", eps);
  at::Tensor z = c.beta * p.delta_score();
  return at::sigmoid(z) * (at::log_sigmoid(z) - std::log1p(-eps)) +
         at::sigmoid(-z) * (at::log_sigmoid(-z) - std::log(eps));
}

// NCA (Chen et al. 2024, noise contrastive alignment), pairwise form.
at::Tensor nca_pair_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  at::Tensor chosen = c.beta * p.chosen_score, rejected = c.beta * p.rejected_score;
  return -at::log_sigmoid(chosen) - 0.5 * at::log_sigmoid(-chosen) - 0.5 * at::log_sigmoid(-rejected);
}

// Robust DPO (Chowdhury et al. 2024): unbiased under preference flips with rate ε < 0.5.
at::Tensor robust_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  const double eps = c.label_smoothing;
  check(eps < 0.5, "loss type robust: --label-smoothing must be in [0, 0.5), got ", eps);
  at::Tensor z = c.beta * p.delta_score();
  return (-(1 - eps) * at::log_sigmoid(z) + eps * at::log_sigmoid(-z)) / (1 - 2 * eps);
}

// BCO (Jung et al. 2024) on pairs: binary classification of chosen vs rejected rewards
// (TRL's DPOTrainer form, without a running reward shift).
at::Tensor bco_pair_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  return -at::log_sigmoid(c.beta * p.chosen_score) - at::log_sigmoid(-c.beta * p.rejected_score);
}

// SPPO (Wu et al. 2024, eq. 4.7) with hard probabilities: P = 1 for the winner, 0 for the loser.
at::Tensor sppo_hard_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  const double half = 0.5 / c.beta;
  return (p.chosen_score - half).pow(2) + (p.rejected_score + half).pow(2);
}

namespace {
/// −logσ(βd)(1−ε) − logσ(−βd)·ε: the (label-smoothed) sigmoid loss of a margin d, [B].
at::Tensor smoothed_sigmoid(const LossConfig& c, const at::Tensor& d) {
  return -at::log_sigmoid(c.beta * d) * (1 - c.label_smoothing) - at::log_sigmoid(-c.beta * d) * c.label_smoothing;
}
/// Ascending sort along the batch, with autograd (values only).
at::Tensor sorted(const at::Tensor& t) { return std::get<0>(at::sort(t, 0)); }
}  // namespace

// AOT (Melnyk et al. 2024), paired: the sorted policy log-ratios pc − pr against the sorted
// reference ones (distributional dominance by optimal transport). Reads raw log-probs.
at::Tensor aot_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  return smoothed_sigmoid(c, sorted(p.policy_chosen - p.policy_rejected) - sorted(p.ref_chosen - p.ref_rejected));
}

// AOT, unpaired: sorted chosen log-ratios x1 against sorted rejected ones x2.
at::Tensor aot_unpaired_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  return smoothed_sigmoid(c, sorted(p.chosen_logratio()) - sorted(p.rejected_logratio()));
}

// APO-zero (D'Oosterlinck et al. 2024, eq. 7): raise the chosen likelihood, lower the rejected.
at::Tensor apo_zero_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  return 1 - at::sigmoid(c.beta * p.chosen_logratio()) + at::sigmoid(c.beta * p.rejected_logratio());
}

// APO-down (eq. 8): lower both, the rejected more.
at::Tensor apo_down_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  return at::sigmoid(c.beta * p.chosen_logratio()) + 1 - at::sigmoid(c.beta * p.delta_score());
}

// DiscoPOP (Chris Lu et al. 2024, eq. 5): log-ratio-modulated blend of the logistic and the
// exponential loss, mixing weight σ(z/τ).
at::Tensor discopop_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  check(std::isfinite(c.discopop_tau) && c.discopop_tau > 0, "loss type discopop: --discopop-tau must be > 0, got ",
        c.discopop_tau);
  at::Tensor z = c.beta * p.delta_score();
  at::Tensor mix = at::sigmoid(z / c.discopop_tau);
  return -at::log_sigmoid(z) * (1 - mix) + at::exp(-z) * mix;
}

// The chosen responses' NLL per token, −Σ pc_sum / Σ chosen tokens (TRL: cross-entropy over
// the chosen completion tokens of the batch), expanded to [B]. Reference-free.
at::Tensor sft_nll_loss(const LossConfig&, const PairLogps& p, Metrics& metrics) {
  at::Tensor nll = chosen_nll(p, "sft");
  metrics["nll_loss"] = nll.detach();
  return nll.expand({p.policy_chosen.size(0)});
}

// The sigmoid loss on per-token averaged scores.
at::Tensor sigmoid_norm_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  at::Tensor delta =
      p.chosen_score / p.tokens(true, "sigmoid_norm") - p.rejected_score / p.tokens(false, "sigmoid_norm");
  return -at::log_sigmoid(c.beta * delta);
}

// ---- Reference-free (TRL experimental/cpo CPOTrainer.cpo_loss, experimental/orpo).

// SimPO (Meng et al. 2024, eq. 6): the length-normalized policy margin against the target
// margin γ/β, label-smoothed as TRL's CPOTrainer (loss_type="simpo", with cpo_alpha = 0; add
// "sft" to the list for its NLL term).
at::Tensor simpo_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  check(std::isfinite(c.simpo_gamma), "loss type simpo: --simpo-gamma must be finite");
  at::Tensor margin = p.mean(p.policy_chosen, true) - p.mean(p.policy_rejected, false);
  return smoothed_sigmoid(c, margin - c.simpo_gamma / c.beta);
}

// CPO (Xu et al. 2024, eq. 3 plus the NLL term): the smoothed sigmoid loss on pc − pr (no
// reference) + cpo_alpha × the chosen NLL per token.
at::Tensor cpo_loss(const LossConfig& c, const PairLogps& p, Metrics& metrics) {
  check(std::isfinite(c.cpo_alpha) && c.cpo_alpha >= 0, "loss type cpo: --cpo-alpha must be >= 0, got ", c.cpo_alpha);
  at::Tensor values = smoothed_sigmoid(c, p.policy_chosen - p.policy_rejected);
  if (c.cpo_alpha == 0) return values;  // as TRL: no NLL computed at all
  at::Tensor nll = chosen_nll(p, "cpo");
  metrics["nll_loss"] = nll.detach();
  return values + c.cpo_alpha * nll;
}

// ORPO (Hong et al. 2024, eqs. 4 and 7): NLL − β·logσ(log odds ratio), on per-token mean
// log-probs m: log odds = (mc − mr) − (log(1 − e^mc) − log(1 − e^mr)). The NLL is over the
// chosen response tokens (TRL's ORPOTrainer also counts the prompt tokens in it; lpo's log-probs
// cover the response only).
at::Tensor orpo_loss(const LossConfig& c, const PairLogps& p, Metrics& metrics) {
  at::Tensor mc = p.mean(p.policy_chosen, true), mr = p.mean(p.policy_rejected, false);
  at::Tensor log_odds = (mc - mr) - (log1mexp(mc) - log1mexp(mr));
  at::Tensor ratio = at::log_sigmoid(log_odds);
  at::Tensor nll = chosen_nll(p, "orpo");
  metrics["nll_loss"] = nll.detach();
  metrics["log_odds_ratio"] = ratio.detach().mean();
  metrics["log_odds_chosen"] = log_odds.detach().mean();
  return nll - c.beta * ratio;
}

// ---- Unpaired (TRL trainer/kto_trainer.py, KTOTrainer._compute_loss).

// KTO (Ethayarajh et al. 2024, eq. 7) on labelled completions, with TRL's batch KL estimate: the
// mean log-ratio of the KL completions (each example's prompt with another's completion),
// detached and clamped at 0.
at::Tensor kto_loss(const LossConfig& c, const PairLogps& p, Metrics& metrics) {
  check(p.desirable.defined(), "loss type kto needs unpaired KTO data: {\"prompt\", \"completion\", \"label\"} lines "
        "scored with `lpo ref-logprobs`");
  at::Tensor x = p.chosen_logratio();
  at::Tensor kl = p.rejected_logratio().detach().mean().clamp_min(0);
  metrics["kl"] = kl;
  at::Tensor desirable = c.desirable_weight * (1 - at::sigmoid(c.beta * (x - kl)));
  at::Tensor undesirable = c.undesirable_weight * (1 - at::sigmoid(c.beta * (kl - x)));
  return at::where(p.desirable, desirable, undesirable);
}

}  // namespace lpo::objectives
