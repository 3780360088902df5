// Per-example preference losses. Each mirrors one branch of the seed's
// loss_func_xpo (IDEA-Emdoor-Lab/LPO, examples/qwen2/pretrain_qwen.py); the table in
// preference_loss.hpp gives the formulas and papers.
#include "objectives/losses.hpp"

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

}  // namespace

// DPO, Rafailov et al. 2023, eq. 7; label smoothing as conservative DPO (cDPO).
at::Tensor sigmoid_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  at::Tensor z = c.beta * logits_of(p);
  return -at::log_sigmoid(z) * (1 - c.label_smoothing) - at::log_sigmoid(-z) * c.label_smoothing;
}

// Hinge loss of SLiC (Zhao et al. 2023) on the β-scaled margin.
at::Tensor hinge_loss(const LossConfig& c, const PairLogps& p, Metrics&) {
  return at::relu(1 - c.beta * logits_of(p));
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

}  // namespace lpo::objectives
