#include "objectives/batch.hpp"

namespace lpo {

SequenceLayout collate_sequences(
    const std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>>& rows,
    const LayoutOptions& layout) {
  std::vector<LayoutItem> items;
  items.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)
    items.push_back({rows[i].first, {rows[i].second}, {static_cast<int64_t>(i)}});
  return layout_sequences(items, layout);
}

PairBatch collate_pairs(const std::vector<const ScoredPair*>& pairs, bool is_average,
                        const LayoutOptions& layout) {
  const auto B = static_cast<int64_t>(pairs.size());
  std::vector<LayoutItem> items;
  items.reserve(pairs.size());
  for (int64_t i = 0; i < B; ++i) {
    const PairTokens& t = pairs[static_cast<size_t>(i)]->tokens;
    items.push_back({&t.prompt, {&t.chosen, &t.rejected}, {i, B + i}});
  }
  PairBatch batch{layout_sequences(items, layout), at::empty({2 * B}, at::kDouble), B};
  auto ref_a = batch.ref_logps.accessor<double, 1>();
  for (int64_t i = 0; i < B; ++i) {
    const ReferenceLogps& r = pairs[static_cast<size_t>(i)]->reference;
    ref_a[i] = is_average ? r.chosen_mean() : r.chosen_sum;
    ref_a[B + i] = is_average ? r.rejected_mean() : r.rejected_sum;
  }
  return batch;
}

}  // namespace lpo
