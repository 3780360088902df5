// How the sequences of one micro-batch are laid out for a single forward pass.
//
// A sequence is prompt ⧺ response; its score is the log-prob of the response tokens. Several
// responses to one prompt (a pair's chosen and rejected) can share the prompt: the row holds
// prompt ⧺ response₁ ⧺ response₂, every response token sees the prompt and its own response
// only, and each response's positions restart right after the prompt. The prompt is then run
// once, and each response token sees exactly the keys, at exactly the positions, it would see
// in its own row, so log-probs and gradients equal the unshared computation up to float
// rounding. Packing puts every segment of the micro-batch into one row, back to back, and
// attention runs per segment (AttentionSpan): no token of padding anywhere, and no attention
// scores between segments.
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "model/attention.hpp"

namespace lpo {

/// One prompt and the responses that follow it. `sequences[k]` is the output slot that the
/// log-prob of responses[k] goes to. Pointers must stay valid while the layout is built.
struct LayoutItem {
  const std::vector<int32_t>* prompt = nullptr;
  std::vector<const std::vector<int32_t>*> responses;
  std::vector<int64_t> sequences;
};

struct LayoutOptions {
  /// true: one row segment prompt ⧺ response₁ ⧺ response₂ ... per item; false: each
  /// (prompt, response) is its own segment, the prompt repeated (the usual trainer's layout).
  bool share_prefix = true;
  /// true: all segments in one row [1, total tokens] with per-segment attention spans (no
  /// padding); false: one segment per row, right-padded to the longest.
  bool pack = true;
};

/// The tensors of one forward pass and where to read each scored token.
struct SequenceLayout {
  at::Tensor ids;             // [R, L] int64, 0 on padding
  at::Tensor position_ids;    // [R, L] int64 RoPE positions (restart after the prompt per response)
  /// Unpacked: [R, L] bool padding mask (true = real token; causal within the row) when every
  /// row is a plain causal sequence, else [R, 1, L, L] bool, true where query may see key.
  /// Packed: undefined, and `spans` says who attends to whom.
  at::Tensor attention_mask;
  std::vector<AttentionSpan> spans;  // packed only: one per segment
  // The N scored tokens: the label, the (row, col) whose hidden state predicts it, and its
  // output slot. For the first token of a shared-prefix response the predictor is the last
  // prompt token, not the token just before it in the row.
  at::Tensor score_row, score_col, score_label, score_slot;  // each [N] int64
  int64_t num_sequences = 0;  // output slots (max sequence index + 1)
  int64_t num_tokens = 0;     // real tokens in the rows (prompt counted once per segment)
};

/// Lays out `items`. Throws lpo::Error for an empty batch, an empty prompt (the first response
/// token needs a predictor), an empty response, responses/sequences of different lengths, or a
/// negative slot.
SequenceLayout layout_sequences(const std::vector<LayoutItem>& items, const LayoutOptions& options);

}  // namespace lpo
