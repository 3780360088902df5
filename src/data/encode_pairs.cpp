#include "data/encode_pairs.hpp"

#include <algorithm>
#include <sstream>

#include "util/error.hpp"

namespace lpo {
namespace {

void validate_ids(const std::vector<int32_t>& ids, const char* field, const PreferencePair& pair,
                  const Tokenizer* tokenizer) {
  const int32_t vocab = tokenizer ? tokenizer->vocab_size() : 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    check(ids[i] >= 0, pair.source, ": field '", field, "[", i, "]': token id must be >= 0, found ", ids[i]);
    check(!tokenizer || ids[i] < vocab, pair.source, ": field '", field, "[", i, "]': token id ", ids[i],
          " is outside the tokenizer's vocabulary [0, ", vocab, ")");
  }
}

/// The three id lists before EOS and truncation.
PairTokens raw_tokens(const PreferencePair& pair, const Tokenizer* tokenizer) {
  if (pair.pretokenized) {
    validate_ids(pair.prompt_ids, "prompt_ids", pair, tokenizer);
    validate_ids(pair.chosen_ids, "chosen_ids", pair, tokenizer);
    validate_ids(pair.rejected_ids, "rejected_ids", pair, tokenizer);
    return {pair.prompt_ids, pair.chosen_ids, pair.rejected_ids};
  }
  check(tokenizer != nullptr, pair.source, ": a text pair needs a tokenizer (only pre-tokenized pairs can do without)");
  // Separately, never on the concatenation: the prompt ids must not depend on the response.
  return {tokenizer->encode(pair.prompt), tokenizer->encode(pair.chosen), tokenizer->encode(pair.rejected)};
}

void close_with_eos(std::vector<int32_t>& response, std::optional<int32_t> eos) {
  if (eos && !response.empty() && response.back() != *eos) response.push_back(*eos);
}

std::optional<PairTokens> drop(EncodeReport* report, const std::string& reason) {
  if (report) {
    ++report->dropped;
    ++report->dropped_by_reason[reason];
  }
  return std::nullopt;
}

/// Applies the seq_length rule in place; returns {prompt was cut, a response was cut}.
std::pair<bool, bool> truncate(PairTokens& t, const EncodeOptions& options) {
  const long limit = options.seq_length;
  const long longest = static_cast<long>(std::max(t.chosen.size(), t.rejected.size()));
  const long prompt_len = static_cast<long>(t.prompt.size());
  bool cut_prompt = false, cut_response = false;
  if (prompt_len + longest > limit) {
    long keep = std::max(limit - longest, std::min<long>(options.min_prompt_tokens, prompt_len));
    keep = std::min(keep, prompt_len);
    if (keep < prompt_len) {
      t.prompt.erase(t.prompt.begin(), t.prompt.end() - keep);  // oldest tokens first
      cut_prompt = true;
    }
  }
  const long room = limit - static_cast<long>(t.prompt.size());
  for (auto* response : {&t.chosen, &t.rejected}) {
    if (static_cast<long>(response->size()) > room) {
      response->resize(static_cast<size_t>(std::max(room, 0L)));
      cut_response = true;
    }
  }
  return {cut_prompt, cut_response};
}

}  // namespace

std::optional<PairTokens> encode_pair(const PreferencePair& pair, const Tokenizer* tokenizer,
                                      const EncodeOptions& options, EncodeReport* report) {
  check(options.seq_length >= 2, "seq_length must be >= 2 (one prompt and one response token), found ",
        options.seq_length);
  check(options.min_prompt_tokens >= 1, "min_prompt_tokens must be >= 1, found ", options.min_prompt_tokens);
  if (report) ++report->pairs;
  PairTokens t = raw_tokens(pair, tokenizer);
  if (t.prompt.empty()) return drop(report, "empty_prompt");
  if (t.chosen.empty() || t.rejected.empty()) return drop(report, "empty_response");
  if (options.add_eos && !pair.turn_closed) {
    std::optional<int32_t> eos = options.eos_id;
    if (!eos && tokenizer) eos = tokenizer->eos_id();
    close_with_eos(t.chosen, eos);
    close_with_eos(t.rejected, eos);
  }
  auto [cut_prompt, cut_response] = truncate(t, options);
  if (t.chosen.empty() || t.rejected.empty()) return drop(report, "empty_response_after_truncation");
  if (report) {
    report->truncated_prompt += cut_prompt;
    report->truncated_response += cut_response;
  }
  return t;
}

std::vector<PairTokens> encode_pairs(const std::vector<PreferencePair>& pairs, const Tokenizer* tokenizer,
                                     const EncodeOptions& options, EncodeReport* report) {
  std::vector<PairTokens> out;
  out.reserve(pairs.size());
  for (const auto& pair : pairs) {
    if (auto t = encode_pair(pair, tokenizer, options, report)) out.push_back(std::move(*t));
  }
  return out;
}

std::vector<PairTokens> encode_pairs(const std::vector<PreferencePair>& pairs, const Tokenizer& tokenizer,
                                     const EncodeOptions& options, EncodeReport* report) {
  return encode_pairs(pairs, &tokenizer, options, report);
}

std::string describe(const EncodeReport& r) {
  std::ostringstream out;
  out << "encoded " << r.pairs << " pairs: " << r.truncated_prompt << " prompts truncated, "
      << r.truncated_response << " with a response truncated, " << r.dropped << " dropped";
  if (!r.dropped_by_reason.empty()) {
    out << " (";
    const char* sep = "";
    for (const auto& [reason, n] : r.dropped_by_reason) {
      out << sep << reason << ": " << n;
      sep = ", ";
    }
    out << ")";
  }
  return out.str();
}

}  // namespace lpo
