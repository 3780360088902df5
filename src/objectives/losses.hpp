// The per-example formulas of the preference losses, one function each; the
// registry (registry.cpp) maps the --loss-type names onto them. Formulas and
// sources: preference_loss.hpp and docs/objectives.md. Internal to objectives/: callers use
// preference_loss().
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "objectives/preference_loss.hpp"

namespace lpo::objectives {

/// One batch of B pairs as the loss functions see it; every tensor [B], nats.
struct PairLogps {
  /// Policy and reference log-probs as the seed's losses take them: sums, or means under
  /// is_average (`average`). The reference ones are undefined for reference-free batches.
  at::Tensor policy_chosen, policy_rejected, ref_chosen, ref_rejected;
  /// Response token counts; undefined when the caller gave none (then sum()/mean() throw).
  at::Tensor chosen_tokens, rejected_tokens;
  bool average = false;
  /// TRL's chosen_scores / rejected_scores: the log-ratios x1, x2 through the f-divergence
  /// (equal to them for reverse_kl). Undefined without a reference.
  at::Tensor chosen_score, rejected_score;
  /// KTO labels, [B] bool (true: desirable); undefined for pairs.
  at::Tensor desirable;

  /// x1 = policy_chosen − ref_chosen, [B].
  at::Tensor chosen_logratio() const { return policy_chosen - ref_chosen; }
  /// x2 = policy_rejected − ref_rejected, [B].
  at::Tensor rejected_logratio() const { return policy_rejected - ref_rejected; }
  /// TRL's delta_score = chosen_score − rejected_score, [B].
  at::Tensor delta_score() const { return chosen_score - rejected_score; }
  /// Summed log-probs of a policy_*/ref_* tensor of the chosen (or rejected) side.
  at::Tensor sum(const at::Tensor& logps, bool chosen) const;
  /// Per-token means of the same.
  at::Tensor mean(const at::Tensor& logps, bool chosen) const;
  /// The counts of a side; throws lpo::Error naming `who` when they were not given.
  const at::Tensor& tokens(bool chosen, const char* who) const;
};

using Metrics = std::map<std::string, at::Tensor>;

/// A loss: per-example values ([B]; [2B] for kto_pair) before the weights, the positive
/// regularizer and the mean. May add detached scalar metrics of its own. Checks the
/// config fields only it uses (lpo::Error).
using LossFunction = at::Tensor (*)(const LossConfig&, const PairLogps&, Metrics&);

// The seed's losses (loss_func_xpo).
at::Tensor sigmoid_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor hinge_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor ipo_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor lpo_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor lpo_r_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor lpo_ste_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor lpo_ste_dynamic_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor kto_pair_loss(const LossConfig&, const PairLogps&, Metrics&);

// TRL's DPOTrainer._compute_loss loss types (ipo_norm is TRL's "ipo").
at::Tensor ipo_norm_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor exo_pair_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor nca_pair_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor robust_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor bco_pair_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor sppo_hard_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor aot_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor aot_unpaired_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor apo_zero_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor apo_down_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor discopop_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor sft_nll_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor sigmoid_norm_loss(const LossConfig&, const PairLogps&, Metrics&);

// Reference-free: TRL's CPOTrainer (simpo, cpo = its "sigmoid") and ORPOTrainer.
at::Tensor simpo_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor cpo_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor orpo_loss(const LossConfig&, const PairLogps&, Metrics&);

// Unpaired: TRL's KTOTrainer (chosen = completions, rejected = KL completions).
at::Tensor kto_loss(const LossConfig&, const PairLogps&, Metrics&);

}  // namespace lpo::objectives
