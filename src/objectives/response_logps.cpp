#include "objectives/response_logps.hpp"

#include <algorithm>

#include "objectives/sequence_logprobs.hpp"
#include "util/error.hpp"

namespace lpo::objectives {

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
  at::Tensor sum = at::zeros({S}, logps.options()).index_add(0, slots, logps);
  // Counted on the CPU, where the layout was built: no device round trip for the check.
  at::Tensor count = at::bincount(layout.score_slot, {}, S).to(at::kFloat);
  check(count.min().item<float>() > 0, "response_logps: a sequence has no response tokens");
  return {sum, count.to(device)};
}

}  // namespace lpo::objectives
