// The preference objective over scored pairs (the seed's --train-mode xpo).
#pragma once
#include <vector>

#include "data/pair_source.hpp"
#include "objectives/preference_loss.hpp"
#include "training/train_config.hpp"
#include "training/task.hpp"

namespace lpo::training {

class PreferenceTask : public Task {
 public:
  /// `pairs` must outlive the task (in memory or an mmap dataset: pairs are fetched per
  /// micro-batch). Loss per objectives::preference_loss; `compute` picks the layout.
  PreferenceTask(const PairSource& pairs, objectives::LossConfig loss, ComputeOptions compute = {});
  int64_t size() const override { return pairs_.size(); }
  /// Policy log-probs of chosen and rejected responses (summed, LD-weighted by ld_alpha, with
  /// token counts and WPO weights under use_weighting) against the stored reference ones (none
  /// for unscored pairs); metrics are the loss's (TRL names + the seed's extras).
  MicroStep micro_step(const Transformer& model, const std::vector<int64_t>& indices) override;

 private:
  const PairSource& pairs_;
  objectives::LossConfig loss_;
  ComputeOptions compute_;
};

}  // namespace lpo::training
