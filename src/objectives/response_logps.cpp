#include "objectives/response_logps.hpp"

#include "objectives/sequence_logprobs.hpp"
#include "util/error.hpp"

namespace lpo::objectives {

ResponseLogps response_logps(const Transformer& model, const at::Tensor& ids,
                             const at::Tensor& attention_mask, const at::Tensor& loss_mask) {
  const int64_t R = ids.size(0), T = ids.size(1);
  check(!loss_mask.index({at::indexing::Slice(), 0}).any().item<bool>(),
        "response_logps: a row starts with a response token; it has no prefix to predict it from");
  ForwardOptions options;
  options.attention_mask = attention_mask;
  at::Tensor hidden = model.hidden_states(ids, options);  // [R, T, H]
  // Shift: the hidden state at t-1 predicts the label at t.
  at::Tensor predict = loss_mask.narrow(1, 1, T - 1);                        // [R, T-1] bool
  at::Tensor h = hidden.narrow(1, 0, T - 1).index({predict});               // [N, H]
  at::Tensor labels = ids.narrow(1, 1, T - 1).index({predict});             // [N]
  at::Tensor rows = at::arange(R, ids.options()).unsqueeze(1).expand({R, T - 1}).index({predict});
  at::Tensor logps = token_logprobs(model.lm_head(h).unsqueeze(0), labels.unsqueeze(0))
                         .squeeze(0);                                        // [N] float32
  at::Tensor sum = at::zeros({R}, logps.options()).index_add(0, rows, logps);
  at::Tensor count = loss_mask.sum(1).to(at::kFloat);
  check(count.min().item<float>() > 0, "response_logps: a row has no response tokens");
  return {sum, count};
}

}  // namespace lpo::objectives
