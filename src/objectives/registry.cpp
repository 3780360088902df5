// Loss name -> function: the seed's --loss-type choices first, then TRL's.
#include "objectives/registry.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace lpo::objectives {
namespace {

constexpr bool kRef = true, kNoRef = false;        // needs reference log-probs?
constexpr bool kFdiv = true, kNoFdiv = false;    // accepts --f-divergence?
constexpr RewardKind kRatio = RewardKind::log_ratio;

const std::vector<LossEntry>& registry() {
  static const std::vector<LossEntry> table = {
      // The seed's (loss_func_xpo).
      {"sigmoid", sigmoid_loss, kRef, kFdiv, kRatio},
      {"dpo", sigmoid_loss, kRef, kFdiv, kRatio},
      {"hinge", hinge_loss, kRef, kFdiv, kRatio},
      {"ipo", ipo_loss, kRef, kNoFdiv, kRatio},
      {"lpo", lpo_loss, kRef, kNoFdiv, kRatio},
      {"lpo-r", lpo_r_loss, kRef, kNoFdiv, kRatio},
      {"lpo-ste", lpo_ste_loss, kRef, kNoFdiv, kRatio},
      {"lpo-ste-dynamic", lpo_ste_dynamic_loss, kRef, kNoFdiv, kRatio},
      {"kto_pair", kto_pair_loss, kRef, kNoFdiv, kRatio},
      // TRL DPOTrainer._compute_loss (its "ipo" is ipo_norm here).
      {"ipo_norm", ipo_norm_loss, kRef, kFdiv, kRatio},
      {"exo_pair", exo_pair_loss, kRef, kFdiv, kRatio},
      {"nca_pair", nca_pair_loss, kRef, kFdiv, kRatio},
      {"robust", robust_loss, kRef, kFdiv, kRatio},
      {"bco_pair", bco_pair_loss, kRef, kFdiv, kRatio},
      {"sppo_hard", sppo_hard_loss, kRef, kFdiv, kRatio},
      {"aot", aot_loss, kRef, kFdiv, kRatio},
      {"aot_unpaired", aot_unpaired_loss, kRef, kFdiv, kRatio},
      {"apo_zero", apo_zero_loss, kRef, kFdiv, kRatio},
      {"apo_down", apo_down_loss, kRef, kFdiv, kRatio},
      {"discopop", discopop_loss, kRef, kFdiv, kRatio},
      {"sft", sft_nll_loss, kNoRef, kFdiv, RewardKind::policy},
      {"sigmoid_norm", sigmoid_norm_loss, kRef, kFdiv, kRatio},
      // Reference-free: TRL CPOTrainer (simpo; cpo = its "sigmoid"), ORPOTrainer.
      {"simpo", simpo_loss, kNoRef, kFdiv, RewardKind::policy_mean},
      {"cpo", cpo_loss, kNoRef, kFdiv, RewardKind::policy},
      {"orpo", orpo_loss, kNoRef, kFdiv, RewardKind::policy_mean},
      // Unpaired: TRL KTOTrainer (loss_type "kto").
      {"kto", kto_loss, kRef, kNoFdiv, RewardKind::kto},
  };
  return table;
}

}  // namespace

const LossEntry& find_loss(const std::string& name) {
  for (const auto& entry : registry())
    if (entry.name == name) return entry;
  std::string valid;
  for (const auto& key : loss_type_names()) valid += (valid.empty() ? "" : ", ") + key;
  fail("unknown loss type '", name, "'; valid types: ", valid);
}

std::vector<const LossEntry*> find_losses(const std::string& types) {
  std::vector<const LossEntry*> out;
  std::vector<std::string> seen;
  size_t start = 0;
  while (true) {
    const size_t comma = types.find(',', start);
    const std::string name = types.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    check(!name.empty(), "loss type list '", types, "' has an empty name (write e.g. sigmoid,sft)");
    check(std::find(seen.begin(), seen.end(), name) == seen.end(), "loss type list '", types, "' names '", name,
          "' twice");
    seen.push_back(name);
    out.push_back(&find_loss(name));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool needs_reference(const std::string& types) {
  for (const LossEntry* entry : find_losses(types))
    if (entry->needs_reference) return true;
  return false;
}

std::vector<std::string> loss_type_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.name);
  return names;
}

}  // namespace lpo::objectives
