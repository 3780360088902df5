#include "data/batch.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace lpo {

SequenceBatch collate_sequences(
    const std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>>& rows) {
  check(!rows.empty(), "collate_sequences: empty batch");
  int64_t T = 0;
  for (const auto& [prompt, response] : rows) {
    check(!prompt->empty(), "a pair has an empty prompt: the first response token needs a prefix");
    check(!response->empty(), "a pair has an empty response");
    T = std::max<int64_t>(T, static_cast<int64_t>(prompt->size() + response->size()));
  }
  const auto R = static_cast<int64_t>(rows.size());
  auto ids = at::zeros({R, T}, at::kLong);
  auto attn = at::zeros({R, T}, at::kBool);
  auto loss = at::zeros({R, T}, at::kBool);
  auto ids_a = ids.accessor<int64_t, 2>();
  auto attn_a = attn.accessor<bool, 2>();
  auto loss_a = loss.accessor<bool, 2>();
  int64_t tokens = 0;
  for (int64_t r = 0; r < R; ++r) {
    const auto& prompt = *rows[r].first;
    const auto& response = *rows[r].second;
    int64_t t = 0;
    for (int32_t id : prompt) ids_a[r][t] = id, attn_a[r][t] = true, ++t;
    for (int32_t id : response) ids_a[r][t] = id, attn_a[r][t] = true, loss_a[r][t] = true, ++t;
    tokens += t;
  }
  return {ids, attn, loss, tokens};
}

PairBatch collate_pairs(const std::vector<const ScoredPair*>& pairs, bool is_average) {
  std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>> rows;
  for (const auto* p : pairs) rows.emplace_back(&p->tokens.prompt, &p->tokens.chosen);
  for (const auto* p : pairs) rows.emplace_back(&p->tokens.prompt, &p->tokens.rejected);
  SequenceBatch seq = collate_sequences(rows);
  const auto B = static_cast<int64_t>(pairs.size());
  auto ref = at::empty({2 * B}, at::kDouble);
  auto ref_a = ref.accessor<double, 1>();
  for (int64_t i = 0; i < B; ++i) {
    const ReferenceLogps& r = pairs[i]->reference;
    ref_a[i] = is_average ? r.chosen_mean() : r.chosen_sum;
    ref_a[B + i] = is_average ? r.rejected_mean() : r.rejected_sum;
  }
  return {seq.ids, seq.attention_mask, seq.loss_mask, ref, B, seq.num_tokens};
}

}  // namespace lpo
