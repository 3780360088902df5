// Preference losses on sequence log-probabilities: LPO (Linear Preference
// Optimization, Wang et al. 2025, arXiv 2508.14947; quoted phrases below name its
// three components as its abstract does), the baselines it is compared with as the seed
// defines them (`loss_func_xpo`, IDEA-Emdoor-Lab/LPO, examples/qwen2/pretrain_qwen.py,
// Megatron), and TRL's loss zoo (huggingface/trl: trainer/dpo_trainer.py
// DPOTrainer._compute_loss, experimental/cpo/cpo_trainer.py CPOTrainer.cpo_loss,
// experimental/orpo/orpo_trainer.py ORPOTrainer.odds_ratio_loss). The full table of names,
// formulas and sources is docs/objectives.md.
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

namespace lpo::objectives {

/// The loss flags: the seed's (--loss-type --beta --gamma --r1 --r2 --label-smoothing
/// --add-sft-loss --is-average) and TRL's (--loss-weights --simpo-gamma --cpo-alpha
/// --discopop-tau --f-divergence --f-alpha --use-weighting --ld-alpha). Defaults are the
/// paper's recipe (lpo-ste) and TRL's defaults for TRL's settings.
struct LossConfig {
  /// A name from loss_type_names(), or several joined by commas ("sigmoid,sft"): the loss is
  /// then Σ_k loss_weights[k] · mean(loss_k), as TRL's loss_type=[...] (e.g. RPO).
  std::string type = "lpo-ste";
  double beta = 0.2;             ///< KL strength β (> 0); rewards are β·(policy − reference)
  double gamma = 10;             ///< weight of the positive (SFT-like) regularizer
  double r1 = 1;                 ///< lpo-r / lpo-ste weight of the chosen term
  double r2 = 0.2;               ///< lpo-r / lpo-ste weight of the rejected term
  double label_smoothing = 0;    ///< ε of sigmoid (cDPO), robust, exo_pair, aot*, simpo, cpo; in [0, 0.5]
  bool add_sft_loss = false;     ///< add γ·max(0, ref_chosen − policy_chosen) per example
  bool is_average = false;       ///< logps are token means, not sums (see sequence_logps)
  std::vector<double> loss_weights;  ///< one per listed type; empty: 1 each
  double simpo_gamma = 0.5;      ///< simpo target reward margin γ (nats/token; the margin is γ/β)
  double cpo_alpha = 1.0;        ///< cpo: weight of the NLL term
  double discopop_tau = 0.05;    ///< discopop temperature τ (> 0)
  /// f-divergence of the DPO-family scores: reverse_kl (standard), forward_kl,
  /// js_divergence, alpha_divergence (with f_alpha).
  std::string f_divergence = "reverse_kl";
  double f_alpha = 1.0;          ///< α of alpha_divergence (1: reverse_kl)
  /// WPO (Zhou et al. 2024, eq. 2): scale each pair's loss by w_chosen·w_rejected (given in
  /// PreferenceInputs; response_logps computes them on the chunked path).
  bool use_weighting = false;
  /// LD-DPO (Liu et al. 2024): response tokens past the shorter response of the pair count
  /// with weight α in the summed log-probs (1: off). Applied where the log-probs are
  /// summed (response_logps, ref-logprobs), not in preference_loss.
  double ld_alpha = 1.0;
  double desirable_weight = 1.0;    ///< kto: weight of desirable examples' losses (TRL KTOConfig)
  double undesirable_weight = 1.0;  ///< kto: weight of undesirable examples' losses
};

/// A scalar loss (with autograd graph) and detached scalar metrics named as in TRL
/// ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
/// "logps/chosen", "logps/rejected"; "nll_loss" for cpo/orpo/sft, "log_odds_ratio" and
/// "log_odds_chosen" for orpo) plus the seed's extras
/// ("rewards/pl_minus_ref_choose", "rewards/pl_minus_ref_reject",
/// "train/pl_sft_loss_choose", "train/xpo_wo_sft", "train/xpo_with_sft" when
/// add_sft_loss, "r2_dynamic" for lpo-ste-dynamic) and, for a weighted list, "loss/<type>"
/// (each loss's unweighted mean).
struct LossOutput {
  at::Tensor loss;
  std::map<std::string, at::Tensor> metrics;
};

/// A batch of B pairs as the losses see it. All tensors 1-D [B], float32 or float64, on one
/// device; log-probs in nats.
struct PreferenceInputs {
  /// Policy log-probs of the chosen / rejected responses: SUMS over response tokens when the
  /// token counts are given (preference_loss divides by them under is_average); without
  /// counts, already the sums or means that is_average selects.
  at::Tensor policy_chosen, policy_rejected;
  /// The reference model's, in the same form; may be undefined for reference-free losses.
  at::Tensor ref_chosen, ref_rejected;
  /// Response token counts (> 0); needed by ipo_norm, sigmoid_norm, simpo, cpo, orpo, sft.
  at::Tensor chosen_tokens, rejected_tokens;
  /// WPO weights (detached, > 0; ResponseLogps::wpo_weight); needed with use_weighting.
  at::Tensor chosen_weights, rejected_weights;
  /// KTO (unpaired) data, needed by `kto`: [B] bool labels (true: desirable). Then *_chosen are
  /// the examples' completions and *_rejected their KL completions (data/kto_examples.hpp).
  at::Tensor desirable;
};

/// The mean preference loss over a batch (per-type formulas: docs/objectives.md; each is
/// one function of objectives/losses.cpp). With x1 = pc − rc, x2 = pr − rr, logits = x1 − x2
/// (sums, or means under is_average) and sg = stop-gradient, the seed's losses are
///   sigmoid|dpo   −logσ(β·logits)(1−ls) − logσ(−β·logits)·ls        DPO, Rafailov 2023 eq. 7
///   hinge         relu(1 − β·logits)                                  SLiC, Zhao 2023
///   ipo           f·(logits − 1/(2β))², f = 8β² if add_sft_loss else 1   IPO, Azar 2023 eq. 17
///                 (TRL's per-token `ipo` is lpo's `ipo_norm`)
///   lpo           4β·|logits − 1/(2β)|           LPO "gradient decoupling" (absolute loss)
///                                                with its "offset constraint" 1/(2β)
///   lpo-r         4β·|r1·x1 − r2·x2 − 1/(2β)|    LPO with fixed weights on x1, x2
///   lpo-ste       4β/(r1+r2)·(r1|x1 − sg x2 − c| + r2|sg x1 − x2 − c|), c = 1/(2β)
///                 LPO "gradient separation with straight-through estimation": the
///                 first term's gradient reaches only pc, the second's only pr, r2
///                 "linearly regulates the descent of the rejection probability"
///   lpo-ste-dynamic  lpo-ste with r1 = 1, r2 = exp(sg x2)/exp(sg x1) per example
///   kto_pair      [1 − σ(β(x1 − KLr)), 1 − σ(β(KLc − x2))] ([2B] values),
///                 KLc = max(0, mean x1), KLr = max(0, mean x2), not detached (as
///                 the seed); KTO, Ethayarajh 2024 eq. 7
/// and TRL's: exo_pair nca_pair robust bco_pair sppo_hard aot aot_unpaired apo_zero apo_down
/// discopop sft sigmoid_norm ipo_norm (DPOTrainer._compute_loss), simpo cpo (CPOTrainer),
/// orpo (ORPOTrainer), and kto on unpaired data (KTOTrainer._compute_loss, Ethayarajh et al.
/// 2024 eq. 7: x = the completion's log-ratio, z = max(0, mean over the batch of the KL
/// completions' log-ratios), detached; desirable: w_d·(1 − σ(β(x − z))), undesirable:
/// w_u·(1 − σ(β(z − x))); metric "kl" = z). sigmoid and hinge (and TRL's losses that read TRL's "scores") use the
/// f-divergence scores f'(exp x) of x1, x2 (identity for reverse_kl). Then, with add_sft_loss,
/// + γ·mean(max(0, rc − pc)) (LPO's "positive regularization", as DPOP / Smaug, Pal 2024; for
/// kto_pair added to both halves — the seed's broadcast does exactly this for B = 1 and fails
/// for B > 1). The loss is Σ_k w_k·mean(values_k) (+ the regularizer).
///
/// Throws lpo::Error: unknown type (the message lists the valid names); an empty name in a
/// list; loss_weights of another length than the list, or not finite; β ≤ 0 or not finite
/// (checked for every type: a non-positive β flips or erases the preference); γ < 0; r1 or r2
/// not finite; label_smoothing outside [0, 0.5] (robust: [0, 0.5), exo_pair: (0, 0.5]);
/// r1 + r2 == 0 for lpo-ste; discopop_tau ≤ 0; an unknown f_divergence, or one other than
/// reverse_kl when no listed loss reads scores; reference log-probs missing for a loss that
/// needs them (or for add_sft_loss); token counts missing (or ≤ 0) for a loss that needs
/// them; is_average with ipo_norm or sigmoid_norm (they average per token themselves);
/// use_weighting without weights, or with aot / aot_unpaired (sorting mixes pairs, as TRL);
/// kto without labels, in a list, or with add_sft_loss / use_weighting / ld_alpha != 1, or
/// negative desirable/undesirable weights;
/// inputs not 1-D, of different sizes or devices, empty, or not floating point.
LossOutput preference_loss(const LossConfig& config, const PreferenceInputs& inputs);

/// preference_loss without token counts: the [B] log-probs are already the sums or means
/// that config.is_average selects, and the reference is given.
LossOutput preference_loss(const LossConfig& config, const at::Tensor& policy_chosen,
                           const at::Tensor& policy_rejected, const at::Tensor& ref_chosen,
                           const at::Tensor& ref_rejected);

}  // namespace lpo::objectives
