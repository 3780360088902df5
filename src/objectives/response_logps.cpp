#include "objectives/response_logps.hpp"

#include <algorithm>
#include <cmath>

#include "objectives/sequence_logprobs.hpp"
#include "util/error.hpp"

namespace lpo::objectives {
namespace {

/// LD-DPO token weights [N] float32 (CPU): 1 for the first min(len_chosen, len_rejected) tokens
/// of each response, alpha after, with slots i and S/2 + i paired. Token order within a slot is
/// (row, col) order, which is response order in every layout.
at::Tensor ld_token_weights(const SequenceLayout& layout, const at::Tensor& count, double alpha) {
  const int64_t S = layout.num_sequences, N = layout.score_slot.size(0);
  check(S % 2 == 0, "response_logps: --ld-alpha needs pairs (an even number of sequences), got ", S);
  check(std::isfinite(alpha), "response_logps: ld_alpha must be finite, got ", alpha);
  const at::Tensor slot = layout.score_slot.to(at::kLong);
  const int64_t width = layout.ids.size(1), cells = layout.ids.numel();
  const at::Tensor order = at::argsort(slot * cells + layout.score_row * width + layout.score_col);
  const at::Tensor counts = count.to(at::kLong);
  const at::Tensor first = at::cumsum(counts, 0) - counts;  // [S] start of each slot in sorted order
  const at::Tensor sorted_slot = slot.index_select(0, order);
  at::Tensor position = at::empty({N}, at::kLong);  // 0-based index of each token in its response
  position.index_put_({order}, at::arange(N, at::kLong) - first.index_select(0, sorted_slot));
  const at::Tensor half = counts.narrow(0, 0, S / 2), other = counts.narrow(0, S / 2, S / 2);
  const at::Tensor shared = at::minimum(half, other).repeat({2});  // [S]
  at::Tensor in_shared = position < shared.index_select(0, slot);
  return at::where(in_shared, at::ones({N}, at::kFloat), at::full({N}, alpha, at::kFloat));
}

}  // namespace

ResponseLogps response_logps(const Transformer& model, const SequenceLayout& layout,
                             const ResponseLogpsOptions& options) {
  ForwardOptions forward;
  forward.position_ids = layout.position_ids;
  forward.attention_mask = layout.attention_mask;
  forward.spans = layout.spans;
  forward.recompute_activations = options.recompute_activations;
  const at::Tensor hidden = model.hidden_states(layout.ids, forward);  // [R, L, H]
  const c10::Device device = hidden.device();
  const at::Tensor rows = layout.score_row.to(device), cols = layout.score_col.to(device);
  const at::Tensor slots = layout.score_slot.to(device);
  const at::Tensor h = hidden.index({rows, cols});  // [N, H]: the predictor of each scored token
  const at::Tensor& head = model.lm_head_weight();
  const int64_t logits_per_chunk = device.is_cuda() ? int64_t{1} << 26 : int64_t{1} << 22;
  const int64_t chunk = options.logit_chunk_rows > 0 ? options.logit_chunk_rows
                                                     : std::max<int64_t>(64, logits_per_chunk / head.size(0));
  const at::Tensor logps = token_logprobs_chunked(h, head, layout.score_label.to(device), chunk,
                                                     model.final_logit_softcap());  // [N]
  const int64_t S = layout.num_sequences;
  // Counted on the CPU, where the layout was built: no device round trip for the check.
  at::Tensor count = at::bincount(layout.score_slot, {}, S).to(at::kFloat);
  check(count.min().item<float>() > 0, "response_logps: a sequence has no response tokens");
  at::Tensor weighted = logps;
  if (options.ld_alpha != 1.0) weighted = logps * ld_token_weights(layout, count, options.ld_alpha).to(device);
  at::Tensor sum = at::zeros({S}, logps.options()).index_add(0, slots, weighted);
  ResponseLogps out{sum, count.to(device), {}};
  if (options.wpo_weights) {
    const at::Tensor aligned = logps.detach() - token_log_sum_sq_probs_chunked(h, head, chunk);  // [N]
    out.wpo_weight = at::exp(at::zeros({S}, aligned.options()).index_add(0, slots, aligned) / out.count);
  }
  return out;
}

}  // namespace lpo::objectives
