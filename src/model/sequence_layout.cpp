#include "model/sequence_layout.hpp"

#include <algorithm>
#include <utility>

#include "util/error.hpp"

namespace lpo {
namespace {

// A prompt and the responses that share it in one row (one response when not sharing).
struct Segment {
  const std::vector<int32_t>* prompt;
  std::vector<std::pair<const std::vector<int32_t>*, int64_t>> responses;  // tokens, slot
  int64_t length() const {
    auto n = static_cast<int64_t>(prompt->size());
    for (const auto& r : responses) n += static_cast<int64_t>(r.first->size());
    return n;
  }
};

std::vector<Segment> make_segments(const std::vector<LayoutItem>& items, bool share_prefix) {
  check(!items.empty(), "layout_sequences: empty batch");
  std::vector<Segment> segments;
  for (const LayoutItem& item : items) {
    check(item.prompt && !item.prompt->empty(), "a pair has an empty prompt: the first response token needs a prefix");
    check(!item.responses.empty() && item.responses.size() == item.sequences.size(),
          "layout_sequences: an item needs one output slot per response");
    Segment shared{item.prompt, {}};
    for (size_t k = 0; k < item.responses.size(); ++k) {
      check(item.responses[k] && !item.responses[k]->empty(), "a pair has an empty response");
      check(item.sequences[k] >= 0, "layout_sequences: negative output slot ", item.sequences[k]);
      if (share_prefix)
        shared.responses.emplace_back(item.responses[k], item.sequences[k]);
      else
        segments.push_back({item.prompt, {{item.responses[k], item.sequences[k]}}});
    }
    if (share_prefix) segments.push_back(std::move(shared));
  }
  return segments;
}

// Rows as lists of segment indices: all in one row when packing, else one each.
std::vector<std::vector<size_t>> assign_rows(size_t segments, bool pack) {
  std::vector<std::vector<size_t>> rows(pack ? 1 : segments);
  for (size_t s = 0; s < segments; ++s) rows[pack ? 0 : s].push_back(s);
  return rows;
}

// Per-token tensors being filled, plus the scored-token lists.
struct Builder {
  at::Tensor ids, pos, segment, branch;  // [R, L] int64; segment -1 and branch -1 on padding
  std::vector<int64_t> row, col, label, slot;

  Builder(int64_t rows, int64_t length)
      : ids(at::zeros({rows, length}, at::kLong)),
        pos(at::zeros({rows, length}, at::kLong)),
        segment(at::full({rows, length}, -1, at::kLong)),
        branch(at::full({rows, length}, -1, at::kLong)) {}

  // Writes segment `s` at column `start` of row `r`; returns the column after it.
  int64_t place(const Segment& seg, int64_t s, int64_t r, int64_t start) {
    auto ids_a = ids.accessor<int64_t, 2>(), pos_a = pos.accessor<int64_t, 2>();
    auto seg_a = segment.accessor<int64_t, 2>(), br_a = branch.accessor<int64_t, 2>();
    int64_t c = start;
    const auto prompt_len = static_cast<int64_t>(seg.prompt->size());
    for (int64_t j = 0; j < prompt_len; ++j, ++c)
      ids_a[r][c] = (*seg.prompt)[j], pos_a[r][c] = j, seg_a[r][c] = s, br_a[r][c] = 0;
    for (size_t k = 0; k < seg.responses.size(); ++k) {
      const auto& [tokens, out_slot] = seg.responses[k];
      for (size_t j = 0; j < tokens->size(); ++j, ++c) {
        ids_a[r][c] = (*tokens)[j];
        pos_a[r][c] = prompt_len + static_cast<int64_t>(j);
        seg_a[r][c] = s;
        br_a[r][c] = static_cast<int64_t>(k) + 1;
        row.push_back(r);
        col.push_back(j == 0 ? start + prompt_len - 1 : c - 1);  // the first one follows the prompt
        label.push_back((*tokens)[j]);
        slot.push_back(out_slot);
      }
    }
    return c;
  }

};

// [R, L, L] bool from per-token segment and branch ids [R, L]: same segment, causal, and a
// response token sees the prompt and its own response only. Padding queries (segment -1) see
// themselves, so their unused rows stay finite.
at::Tensor visibility(const at::Tensor& segment, const at::Tensor& branch) {
  const int64_t L = segment.size(1);
  at::Tensor seg_q = segment.unsqueeze(2), seg_k = segment.unsqueeze(1);  // [R, L, 1], [R, 1, L]
  at::Tensor br_q = branch.unsqueeze(2), br_k = branch.unsqueeze(1);
  at::Tensor causal = at::ones({L, L}, at::kBool).tril();
  at::Tensor same = seg_q.eq(seg_k).logical_and(seg_q.ge(0));
  at::Tensor visible = br_k.eq(0).logical_or(br_k.eq(br_q));
  at::Tensor pad_self = seg_q.lt(0).logical_and(at::eye(L, at::kBool));
  return same.logical_and(visible).logical_and(causal).logical_or(pad_self);
}

// One attention span per segment of the packed row; a single-response segment is causal.
std::vector<AttentionSpan> packed_spans(const std::vector<Segment>& segments, const at::Tensor& branch) {
  std::vector<AttentionSpan> spans;
  int64_t start = 0;
  for (const Segment& seg : segments) {
    AttentionSpan span{start, seg.length(), {}};
    if (seg.responses.size() > 1) {
      at::Tensor br = branch.narrow(1, start, span.length);
      span.mask = visibility(at::zeros_like(br), br)[0];
    }
    start += span.length;
    spans.push_back(std::move(span));
  }
  return spans;
}

at::Tensor as_tensor(const std::vector<int64_t>& v) {
  return at::tensor(at::ArrayRef<int64_t>(v), at::kLong);
}

}  // namespace

SequenceLayout layout_sequences(const std::vector<LayoutItem>& items, const LayoutOptions& options) {
  const std::vector<Segment> segments = make_segments(items, options.share_prefix);
  const auto rows = assign_rows(segments.size(), options.pack);
  int64_t length = 0;
  bool plain = true;
  for (const auto& r : rows) {
    int64_t n = 0;
    for (size_t s : r) n += segments[s].length();
    length = std::max(length, n);
    plain = plain && r.size() == 1 && segments[r[0]].responses.size() == 1;
  }
  Builder b(static_cast<int64_t>(rows.size()), length);
  SequenceLayout out;
  for (size_t r = 0; r < rows.size(); ++r) {
    int64_t c = 0;
    for (size_t s : rows[r]) c = b.place(segments[s], static_cast<int64_t>(s), static_cast<int64_t>(r), c);
    out.num_tokens += c;
  }
  out.ids = b.ids;
  out.position_ids = b.pos;
  if (options.pack)
    out.spans = packed_spans(segments, b.branch);
  else
    out.attention_mask = plain ? b.segment.ge(0) : visibility(b.segment, b.branch).unsqueeze(1);
  out.score_row = as_tensor(b.row);
  out.score_col = as_tensor(b.col);
  out.score_label = as_tensor(b.label);
  out.score_slot = as_tensor(b.slot);
  out.num_sequences = *std::max_element(b.slot.begin(), b.slot.end()) + 1;
  return out;
}

}  // namespace lpo
