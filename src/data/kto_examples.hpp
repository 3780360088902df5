// Unpaired (KTO) data in TRL's format, one JSON object a line (plain or .gz):
//
//   {"prompt": "…", "completion": "…", "label": true}     true: desirable, false: undesirable
//
// Each example becomes a PairTokens whose `chosen` is its completion and whose `rejected` is the
// KL completion: the completion of another example under this example's prompt, from which
// the KTO batch KL estimate is taken (TRL KTOTrainer._prepare_dataset: within consecutive chunks
// of the per-device batch size, example i takes the completion of i − 1, the first the chunk's
// last). Scored with `lpo ref-logprobs` like pairs, its file says "kto": true and carries labels.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/encode_pairs.hpp"
#include "data/preference_pair.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo {

struct KtoExample {
  std::string prompt, completion;
  bool desirable = true;
  std::string source;  // "file:line"
};

/// Whether the first non-blank line of `path` is a KTO example (an object with "completion" and
/// "label"). Throws lpo::Error when the file cannot be opened.
bool is_kto_file(const std::string& path);

/// Every example of `path`. Throws lpo::Error "path:line: field 'label': …" for invalid JSON, a
/// missing field, a non-string prompt/completion (conversational KTO data: render it to text
/// first), a non-boolean label, or an empty completion; and when the file holds no example.
std::vector<KtoExample> read_kto_examples(const std::string& path);

/// Tokenized examples with their KL completions (see above), in chunks of `kl_batch` consecutive
/// examples (>= 1), and their labels: pairs[i].chosen = completion i, pairs[i].rejected = the
/// KL completion. Encoding as encode_pair (EOS, truncation); an example encode_pair drops is left
/// out and counted in `report`. Throws lpo::Error for kl_batch < 1.
struct KtoTokens {
  std::vector<PairTokens> pairs;
  std::vector<bool> desirable;
};
KtoTokens encode_kto_examples(const std::vector<KtoExample>& examples, const Tokenizer& tokenizer,
                              const EncodeOptions& options, int64_t kl_batch, EncodeReport* report = nullptr);

}  // namespace lpo
