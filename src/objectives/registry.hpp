// The loss registry: every --loss-type name, the function it runs and what it needs.
// Adding a loss: one function in losses.{hpp,cpp}, one line in registry.cpp, one
// golden test.
#pragma once
#include <string>
#include <vector>

#include "objectives/losses.hpp"

namespace lpo::objectives {

/// What the rewards/* and logps/* metrics of a loss are computed from (TRL's choice per
/// trainer): β·(policy − reference) (DPOTrainer), β·policy (CPOTrainer), or β·(policy per-token
/// mean) (CPOTrainer's simpo, ORPOTrainer).
/// kto: β·(policy − reference) of the completions, desirable ones as chosen, undesirable as rejected.
enum class RewardKind { log_ratio, policy, policy_mean, kto };

struct LossEntry {
  const char* name;
  LossFunction function;
  bool needs_reference;  ///< false: reference-free (trains from unscored pairs)
  /// --f-divergence is accepted: the loss reads the f-divergence scores, or (aot, aot_unpaired,
  /// apo_zero: TRL's losses on raw log-ratios) is unchanged by them, as in TRL.
  bool accepts_f_divergence;
  RewardKind rewards;
};

/// The entry registered under `name` (exact, case-sensitive; "dpo" is an alias of
/// "sigmoid"). Throws lpo::Error naming every valid type for an unknown name.
const LossEntry& find_loss(const std::string& name);

/// The entries of a --loss-type value: one name or several joined by commas ("sigmoid,sft"),
/// in order. Throws lpo::Error for an unknown or empty name, or a name listed twice.
std::vector<const LossEntry*> find_losses(const std::string& types);

/// Whether any loss of a --loss-type value (see find_losses) needs reference log-probs.
bool needs_reference(const std::string& types);

/// Every registered loss name, in registry order (for --help and error messages).
std::vector<std::string> loss_type_names();

}  // namespace lpo::objectives
