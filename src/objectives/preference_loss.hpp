// Preference losses on sequence log-probabilities: LPO (Linear Preference
// Optimization, Wang et al. 2025, arXiv 2508.14947; quoted phrases below name its
// three components as its abstract does) and the
// baselines it is compared with. Semantics follow the seed's `loss_func_xpo`
// (IDEA-Emdoor-Lab/LPO, examples/qwen2/pretrain_qwen.py, Megatron), names included.
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>

namespace lpo::objectives {

/// The seed's loss flags (--loss-type --beta --gamma --r1 --r2 --label-smoothing
/// --add-sft-loss --is-average). Defaults are the paper's recipe (lpo-ste).
struct LossConfig {
  std::string type = "lpo-ste";  ///< a name from loss_type_names()
  double beta = 0.2;             ///< KL strength β (> 0); rewards are β·(policy − reference)
  double gamma = 10;             ///< weight of the positive (SFT-like) regularizer
  double r1 = 1;                 ///< lpo-r / lpo-ste weight of the chosen term
  double r2 = 0.2;               ///< lpo-r / lpo-ste weight of the rejected term
  double label_smoothing = 0;    ///< sigmoid only (conservative DPO), in [0, 0.5]
  bool add_sft_loss = false;     ///< add γ·max(0, ref_chosen − policy_chosen) per example
  bool is_average = false;       ///< logps are token means, not sums (see sequence_logps)
};

/// A scalar loss (with autograd graph) and detached scalar metrics named as in TRL
/// ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
/// "logps/chosen", "logps/rejected") plus the seed's extras
/// ("rewards/pl_minus_ref_choose", "rewards/pl_minus_ref_reject",
/// "train/pl_sft_loss_choose", "train/xpo_wo_sft", "train/xpo_with_sft" when
/// add_sft_loss, "r2_dynamic" for lpo-ste-dynamic).
struct LossOutput {
  at::Tensor loss;
  std::map<std::string, at::Tensor> metrics;
};

/// The mean preference loss over a batch of B pairs.
///
/// Inputs: [B] sequence log-probs (nats; float32 or float64; summed or averaged over
/// response tokens as `config.is_average` says — this function does not use that
/// flag, the caller's sequence_logps does). Gradients flow to whichever inputs
/// require them (normally the policy ones). With x1 = pc − rc, x2 = pr − rr and
/// logits = x1 − x2, per example (sg = stop-gradient):
///   sigmoid|dpo   −logσ(β·logits)(1−ls) − logσ(−β·logits)·ls        DPO, Rafailov 2023 eq. 7
///   hinge         relu(1 − β·logits)                                  SLiC, Zhao 2023
///   ipo           f·(logits − 1/(2β))², f = 8β² if add_sft_loss else 1   IPO, Azar 2023 eq. 17
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
/// then, with add_sft_loss, + γ·max(0, rc − pc) (LPO's "positive regularization", as
/// DPOP / Smaug, Pal 2024; for
/// kto_pair added to both halves — the seed's broadcast does exactly this for B = 1
/// and fails for B > 1), and the loss is the mean over the values.
///
/// Throws lpo::Error: unknown type (the message lists the valid names); β ≤ 0 or
/// not finite (checked for every type: a non-positive β flips or erases the
/// preference); γ < 0; r1 or r2 not finite; label_smoothing outside [0, 0.5];
/// r1 + r2 == 0 for lpo-ste; inputs not 1-D, of different sizes or devices, empty,
/// or not floating point.
LossOutput preference_loss(const LossConfig& config, const at::Tensor& policy_chosen,
                           const at::Tensor& policy_rejected, const at::Tensor& ref_chosen,
                           const at::Tensor& ref_rejected);

}  // namespace lpo::objectives
