// The per-example formulas of the preference losses, one function each; the
// registry (registry.cpp) maps the seed's --loss-type names onto them. Formulas and
// sources: preference_loss.hpp. Internal to objectives/: callers use preference_loss().
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "objectives/preference_loss.hpp"

namespace lpo::objectives {

/// The four [B] sequence log-prob tensors (nats) of a batch of pairs.
struct PairLogps {
  at::Tensor policy_chosen, policy_rejected, ref_chosen, ref_rejected;
  /// x1 = policy_chosen − ref_chosen, [B].
  at::Tensor chosen_logratio() const { return policy_chosen - ref_chosen; }
  /// x2 = policy_rejected − ref_rejected, [B].
  at::Tensor rejected_logratio() const { return policy_rejected - ref_rejected; }
};

using Metrics = std::map<std::string, at::Tensor>;

/// A loss: per-example values ([B]; [2B] for kto_pair) before the positive
/// regularizer and the mean. May add detached scalar metrics of its own. Checks the
/// config fields only it uses (lpo::Error).
using LossFunction = at::Tensor (*)(const LossConfig&, const PairLogps&, Metrics&);

at::Tensor sigmoid_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor hinge_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor ipo_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor lpo_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor lpo_r_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor lpo_ste_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor lpo_ste_dynamic_loss(const LossConfig&, const PairLogps&, Metrics&);
at::Tensor kto_pair_loss(const LossConfig&, const PairLogps&, Metrics&);

}  // namespace lpo::objectives
