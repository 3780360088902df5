#include "pipeline/build_dataset.hpp"

#include <cmath>
#include <random>
#include <sstream>

#include "data/pair_dataset.hpp"
#include "pipeline/shards.hpp"
#include "util/error.hpp"

namespace lpo::pipeline {
namespace {

bool too_long(const ScoredPair& p, int64_t seq_length) {
  const size_t response = std::max(p.tokens.chosen.size(), p.tokens.rejected.size());
  return static_cast<int64_t>(p.tokens.prompt.size() + response) > seq_length;
}

// Explicit Fisher-Yates on mt19937_64: std::shuffle's algorithm is unspecified, so the
// order would differ between standard libraries.
void shuffle_in_place(std::vector<const ScoredPair*>& items, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng() % i]);
}

}  // namespace

nlohmann::json BuildReport::to_json() const {
  return {{"pairs_in", pairs_in},
          {"dropped_ref_gap", dropped_ref_gap},
          {"dropped_too_long", dropped_too_long},
          {"pairs_out", pairs_out}};
}

BuildReport build_dataset(const std::vector<std::string>& inputs, const std::string& prefix,
                          const BuildOptions& options) {
  ScoredPairsFile data = join_scored_pairs(inputs);
  check(!data.header.kto, "build-dataset: KTO data (unpaired examples with labels) is not packed yet; train on the "
        "scored JSONL directly");
  const int64_t seq_length = options.seq_length ? options.seq_length : data.header.seq_length;
  check(seq_length <= data.header.seq_length, "--seq-length ", seq_length, " is above the ",
        data.header.seq_length, " the pairs were truncated to; rerun `lpo ref-logprobs --seq-length ", seq_length,
        "`");
  BuildReport report;
  report.pairs_in = static_cast<long>(data.pairs.size());
  std::vector<const ScoredPair*> kept;
  for (const ScoredPair& p : data.pairs) {
    if (p.reference.chosen_mean() - p.reference.rejected_mean() > options.max_ref_gap) {
      ++report.dropped_ref_gap;
    } else if (too_long(p, seq_length)) {
      ++report.dropped_too_long;
    } else {
      kept.push_back(&p);
    }
  }
  report.pairs_out = static_cast<long>(kept.size());
  check(!kept.empty(), "no pair left to write: ", describe(report, options));
  if (options.shuffle) shuffle_in_place(kept, options.seed);
  ScoredPairsHeader header = data.header;
  header.seq_length = static_cast<int>(seq_length);
  nlohmann::json build = report.to_json();
  build["inputs"] = inputs;
  build["max_ref_gap"] = std::isfinite(options.max_ref_gap) ? nlohmann::json(options.max_ref_gap) : nlohmann::json("inf");
  build["shuffle"] = options.shuffle;
  build["seed"] = options.seed;
  write_pair_dataset(prefix, header, kept, build);
  return report;
}

std::string describe(const BuildReport& r, const BuildOptions& o) {
  std::ostringstream s;
  s << r.pairs_in << " pairs in; " << r.dropped_ref_gap << " dropped (reference mean log-prob gap > "
    << o.max_ref_gap << "); " << r.dropped_too_long << " dropped (over --seq-length); " << r.pairs_out << " written";
  return s.str();
}

}  // namespace lpo::pipeline
