// Random access to scored pairs, wherever they live: in memory (a scored-pairs JSONL file
// read whole) or in place in an indexed dataset (data/pair_dataset.hpp).
#pragma once
#include <cstdint>
#include <vector>

#include "data/preference_pair.hpp"

namespace lpo {

class PairSource {
 public:
  virtual ~PairSource() = default;
  /// Number of pairs.
  virtual int64_t size() const = 0;
  /// Pair i (0 <= i < size()), copied out. Throws lpo::Error for an out-of-range i or bad data.
  virtual ScoredPair get(int64_t i) const = 0;
  /// Whether the pairs carry reference log-probs. Unscored pairs (read straight from a pairs
  /// JSONL for a reference-free loss) have their token counts in `reference` and sums of 0.
  virtual bool scored() const { return true; }
};

/// Pairs held in memory.
class VectorPairSource : public PairSource {
 public:
  explicit VectorPairSource(std::vector<ScoredPair> pairs, bool scored = true)
      : pairs_(std::move(pairs)), scored_(scored) {}
  int64_t size() const override { return static_cast<int64_t>(pairs_.size()); }
  ScoredPair get(int64_t i) const override { return pairs_.at(static_cast<size_t>(i)); }
  const std::vector<ScoredPair>& pairs() const { return pairs_; }
  bool scored() const override { return scored_; }

 private:
  std::vector<ScoredPair> pairs_;
  bool scored_ = true;
};

}  // namespace lpo
