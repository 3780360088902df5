// The packed preference dataset `lpo build-dataset` writes and `lpo train --data-path PREFIX`
// reads in place (docs/formats.md):
//   PREFIX.bin / PREFIX.idx   Megatron MMIDIDX container (io/mmidx.hpp); pair i is document i,
//                             three sequences: prompt, chosen, rejected
//   PREFIX.ref.bin            one 48-byte little-endian record per pair: f64 ref chosen sum,
//                             f64 ref rejected sum, f64 ref chosen mean, f64 ref rejected mean
//                             (nats), i32 prompt / chosen / rejected lengths (tokens), i32 0
//   PREFIX.lpo.json           format name and version, tokenizer fingerprint, seq_length,
//                             reference model, pair count, largest token id, build report
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "data/pair_source.hpp"
#include "data/scored_pairs.hpp"
#include "io/mmidx.hpp"
#include "util/mapped_file.hpp"

namespace lpo {

struct PairDatasetInfo {
  static constexpr int kVersion = 1;
  ScoredPairsHeader header;     // tokenizer fingerprint, seq_length, model
  int64_t num_pairs = 0;
  int64_t max_token_id = -1;
  std::string token_dtype;      // "u16" or "i32"
  nlohmann::json build;         // the build report (counts, filter settings), for the record
};

/// True when PREFIX.idx exists (after stripping a trailing .idx / .bin / .lpo.json).
bool is_pair_dataset(const std::string& path);
/// `path` without a trailing ".idx", ".bin" or ".lpo.json".
std::string pair_dataset_prefix(const std::string& path);

/// Writes the four files for `pairs` in this order; each file is atomic and PREFIX.lpo.json
/// comes last, so a dataset with its .lpo.json is complete. Throws lpo::Error on I/O failure.
void write_pair_dataset(const std::string& prefix, const ScoredPairsHeader& header,
                        const std::vector<const ScoredPair*>& pairs, const nlohmann::json& build);

/// Reads a pair dataset in place. Memory does not grow with the dataset: tokens are copied
/// out per pair and the mapped pages read are kept under `resident_limit_bytes` by a
/// ResidencyBudget, however large the files and whatever the (shuffled) access order.
class PairDataset : public PairSource {
 public:
  /// Opens and checks the four files against each other (pair count, layout of three
  /// sequences per document). Throws lpo::Error naming the file and field.
  explicit PairDataset(const std::string& prefix, size_t resident_limit_bytes = size_t{64} << 20);
  PairDataset(const PairDataset&) = delete;  // budget_ holds the addresses of the mappings
  PairDataset& operator=(const PairDataset&) = delete;
  int64_t size() const override { return info_.num_pairs; }
  /// Pair i. Throws lpo::Error when its record disagrees with the token index (naming both).
  ScoredPair get(int64_t i) const override;
  const PairDatasetInfo& info() const { return info_; }

 private:
  std::string prefix_;
  PairDatasetInfo info_;
  io::MmidxReader tokens_;
  MappedFile records_;
  mutable ResidencyBudget budget_;
};

}  // namespace lpo
