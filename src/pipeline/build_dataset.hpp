// `lpo build-dataset`: scored pairs -> the packed, memory-mapped dataset training reads in
// place (data/pair_dataset.hpp, docs/formats.md). The seed converts its scored JSONL to
// Megatron's indexed format the same way, after filtering.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpo::pipeline {

struct BuildOptions {
  /// Drop a pair when its reference mean log-prob gap, chosen − rejected (nats per token),
  /// exceeds this: the reference already separates it, so it teaches little (seed: 2.0).
  /// +infinity keeps every pair.
  double max_ref_gap = 2.0;
  /// Drop pairs with prompt + longer response over this many tokens (0: the data's own
  /// seq_length, which drops nothing). Truncating instead would void the reference log-probs.
  int64_t seq_length = 0;
  bool shuffle = true;   // shuffle pair order with `seed` (explicit Fisher-Yates, portable)
  uint64_t seed = 1234;
};

struct BuildReport {
  long pairs_in = 0, dropped_ref_gap = 0, dropped_too_long = 0, pairs_out = 0;
  nlohmann::json to_json() const;
};

/// Reads `inputs` (scored-pairs JSONL; shards of one sharded run are joined in input order,
/// pipeline/shards.hpp), filters, shuffles and writes PREFIX.{bin,idx,ref.bin,lpo.json}.
/// Throws lpo::Error for unreadable or incompatible inputs, a --seq-length above the data's
/// (pairs were truncated to the data's), or when no pair survives the filters.
BuildReport build_dataset(const std::vector<std::string>& inputs, const std::string& prefix,
                          const BuildOptions& options);

/// "1,000 pairs in; 12 dropped (ref gap > 2); 3 dropped (over 1024 tokens); 985 written".
std::string describe(const BuildReport& report, const BuildOptions& options);

}  // namespace lpo::pipeline
