// Token log-probs from logits, and masked per-sequence reductions.
#include "objectives/sequence_logprobs.hpp"

#include "util/error.hpp"

namespace lpo::objectives {

void detail::check_token_labels(const at::Tensor& labels, int64_t vocab, const char* where) {
  check(!at::isFloatingType(labels.scalar_type()) && labels.scalar_type() != at::kBool, where,
        ": labels must be int64 token ids, got ", labels.scalar_type());
  if (labels.numel() == 0) return;
  at::Tensor valid = ((labels >= 0) & (labels < vocab)) | (labels == kIgnoreLabel);
  if (!valid.all().item<bool>())
    fail(where, ": labels must be in [0, ", vocab, ") or ", kIgnoreLabel, " (ignored); found min ",
         labels.min().item<int64_t>(), ", max ", labels.max().item<int64_t>());
}

namespace {

at::Tensor as_bool_mask(const at::Tensor& mask, const at::Tensor& token_logps, const char* where) {
  check(token_logps.dim() == 2, where, ": token_logps must be [B, T], got ", token_logps.sizes());
  check(mask.sizes() == token_logps.sizes(), where, ": mask has shape ", mask.sizes(),
        " but token_logps has ", token_logps.sizes());
  return mask.scalar_type() == at::kBool ? mask : mask != 0;
}

}  // namespace

at::Tensor next_token_labels(const at::Tensor& tokens) {
  check(tokens.dim() == 2 && !at::isFloatingType(tokens.scalar_type()),
        "next_token_labels: tokens must be [B, T] integer ids, got ", tokens.sizes(), " ",
        tokens.scalar_type());
  at::Tensor labels = at::full_like(tokens, kIgnoreLabel, tokens.options().dtype(at::kLong));
  int64_t t = tokens.size(1);
  if (t > 1) labels.narrow(1, 0, t - 1).copy_(tokens.narrow(1, 1, t - 1));
  return labels;
}

at::Tensor token_logprobs(const at::Tensor& logits, const at::Tensor& labels) {
  check(logits.dim() == 3, "token_logprobs: logits must be [B, T, V], got ", logits.sizes());
  check(labels.dim() == 2 && labels.size(0) == logits.size(0) && labels.size(1) == logits.size(1),
        "token_logprobs: labels must be [B, T] = [", logits.size(0), ", ", logits.size(1),
        "], got ", labels.sizes());
  detail::check_token_labels(labels, logits.size(2), "token_logprobs");
  at::Tensor x = logits.scalar_type() == at::kDouble ? logits : logits.to(at::kFloat);
  at::Tensor ignored = labels == kIgnoreLabel;
  at::Tensor index = labels.masked_fill(ignored, 0).to(at::kLong).unsqueeze(-1);
  // log softmax at the label = logit[label] − logsumexp(logits): [B, T], no [B, T, V] copy.
  at::Tensor logp = x.gather(-1, index).squeeze(-1) - at::logsumexp(x, -1);
  return logp.masked_fill(ignored, 0);
}

at::Tensor sequence_logps(const at::Tensor& token_logps, const at::Tensor& mask, bool average) {
  at::Tensor m = as_bool_mask(mask, token_logps, "sequence_logps");
  at::Tensor count = m.sum(-1);
  if (count.numel() > 0 && count.min().item<int64_t>() == 0) {
    int64_t row = (count == 0).nonzero()[0][0].item<int64_t>();
    fail("sequence_logps: row ", row, " has no response tokens in its mask (empty response)");
  }
  at::Tensor sum = at::where(m, token_logps, at::zeros_like(token_logps)).sum(-1);
  return average ? sum / count.to(sum.scalar_type()) : sum;
}

at::Tensor sft_loss(const at::Tensor& token_logps, const at::Tensor& mask) {
  at::Tensor m = as_bool_mask(mask, token_logps, "sft_loss");
  int64_t count = m.sum().item<int64_t>();
  check(count > 0, "sft_loss: the mask selects no tokens");
  return -at::where(m, token_logps, at::zeros_like(token_logps)).sum() / static_cast<double>(count);
}

}  // namespace lpo::objectives
