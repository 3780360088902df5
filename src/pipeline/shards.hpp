// Splitting work across processes and joining the outputs back into the file an unsharded
// run writes.
//  - `lpo sample --shard I/N` takes prompts I, I+N, I+2N, ... (each prompt is decoded on its
//    own with its own seed, so any split gives the same text); joined by interleaving.
//  - `lpo ref-logprobs --shard I/N` takes a contiguous range of whole batches: a batch's
//    padding changes the floating-point sums, so shards must score exactly the batches the
//    unsharded run scores to give bit-identical log-probs; joined by concatenation.
#pragma once
#include <string>
#include <vector>

#include "data/scored_pairs.hpp"
#include "util/error.hpp"

namespace lpo::pipeline {

/// Interleaves `shards` (index = shard number) into input order. Shard I of N must hold
/// ceil((total − I) / N) items, as a complete run of that shard does; otherwise throws
/// lpo::Error naming the shard (a missing or truncated shard is never silently joined).
template <typename T>
std::vector<T> interleave_shards(std::vector<std::vector<T>> shards, const std::vector<std::string>& names) {
  const size_t n = shards.size();
  size_t total = 0;
  for (const auto& s : shards) total += s.size();
  std::vector<T> out;
  out.reserve(total);
  for (size_t i = 0; i < n; ++i) {
    const size_t expected = total > i ? (total - i + n - 1) / n : 0;
    check(shards[i].size() == expected, names[i], ": shard ", i, "/", n, " holds ", shards[i].size(),
          " items; with ", total, " in all it should hold ", expected, " (is a shard incomplete or missing?)");
  }
  for (size_t k = 0; k < total; ++k) out.push_back(std::move(shards[k % n][k / n]));
  return out;
}

/// The input range [begin, end) of shard `index` of `count` over `total` items scored in
/// batches of `batch`: whole batches, split as evenly as possible, in order.
struct ShardRange {
  int64_t begin = 0, end = 0;
};
ShardRange shard_range(int64_t total, int64_t batch, int index, int count);

/// Joins scored-pairs files. Files written with --shard (shard_count > 1) must be the complete
/// set 0..N−1 of one run, in any order; each must hold exactly its shard_range and they are
/// concatenated by shard index. Unsharded files are concatenated in the order given. All must share the tokenizer fingerprint and seq_length. The result is
/// unsharded. Throws lpo::Error naming the file that does not fit.
ScoredPairsFile join_scored_pairs(const std::vector<std::string>& paths);

/// `lpo merge`: joins shard outputs into `out_path` (atomic). Scored-pairs files are joined by
/// join_scored_pairs; any other JSONL (sampled candidates) is taken as shards 0..N−1 in the
/// order given and interleaved line by line. Returns the number of items written.
long merge_shard_files(const std::vector<std::string>& paths, const std::string& out_path);

}  // namespace lpo::pipeline
