// The preference objective over scored pairs (the seed's --train-mode xpo).
#pragma once
#include <vector>

#include "data/preference_pair.hpp"
#include "objectives/preference_loss.hpp"
#include "training/task.hpp"

namespace lpo::training {

class PreferenceTask : public Task {
 public:
  /// `pairs` must outlive the task. Loss per objectives::preference_loss.
  PreferenceTask(const std::vector<ScoredPair>& pairs, objectives::LossConfig loss);
  int64_t size() const override { return static_cast<int64_t>(pairs_.size()); }
  /// Policy log-probs of chosen and rejected responses (sum or mean by is_average) against
  /// the stored reference ones; metrics are the loss's (TRL names + the seed's extras).
  MicroStep micro_step(const Transformer& model, const std::vector<int64_t>& indices) override;

 private:
  const std::vector<ScoredPair>& pairs_;
  objectives::LossConfig loss_;
};

}  // namespace lpo::training
