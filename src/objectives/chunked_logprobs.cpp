// token_logprobs_chunked: label log-probs from hidden states and the LM head, a
// chunk of rows at a time, with a hand-written backward that recomputes each chunk's
// logits instead of storing them. For logits z = h Wᵀ and lp = z[y] − logsumexp(z):
//   ∂lp/∂z = onehot(y) − softmax(z),  ∂/∂h = (∂lp/∂z) W,  ∂/∂W = (∂lp/∂z)ᵀ h.
// With a final soft-cap (Gemma) z = c·tanh(r / c) of the raw products r = h Wᵀ, and
//   ∂lp/∂r = ∂lp/∂z ⊙ (1 − (z / c)²).
#include <torch/csrc/autograd/custom_function.h>

#include "objectives/sequence_logprobs.hpp"
#include "util/error.hpp"

namespace lpo::objectives {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The dtype the LM-head products run in: bfloat16 or float16 inputs keep theirs (the GEMM
// accumulates in float32 inside; its output is rounded, as in every bf16 trainer's logits),
// anything else runs in float32. Everything after the product (log-sum-exp, softmax, the
// output) is float32.
at::ScalarType product_type(const at::Tensor& hidden) {
  const at::ScalarType t = hidden.scalar_type();
  return t == at::kBFloat16 || t == at::kHalf ? t : at::kFloat;
}

/// One chunk: rows [start, start + rows) in the product dtype, and their (safe) label index.
struct Chunk {
  at::Tensor hidden;  // [c, H] product dtype
  at::Tensor index;   // [c, 1] int64, ignored labels replaced by 0
  at::Tensor ignored; // [c] bool
};

Chunk chunk_at(const at::Tensor& hidden, const at::Tensor& labels, int64_t start, int64_t rows) {
  at::Tensor y = labels.narrow(0, start, rows);
  at::Tensor ignored = y == kIgnoreLabel;
  return {hidden.narrow(0, start, rows).to(product_type(hidden)), y.masked_fill(ignored, 0).unsqueeze(1),
          ignored};
}

// A chunk's float32 logits: the product, soft-capped when cap > 0.
at::Tensor chunk_logits(const Chunk& c, const at::Tensor& w, double cap) {
  at::Tensor logits = at::matmul(c.hidden, w.t()).to(at::kFloat);  // [c, V]
  return cap > 0 ? logits.div_(cap).tanh_().mul_(cap) : logits;
}

struct ChunkedLogprobs : public torch::autograd::Function<ChunkedLogprobs> {
  // hidden [N, H], weight [V, H], labels [N] -> [N] float32; saves the row logsumexps.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& hidden,
                            const at::Tensor& weight, const at::Tensor& labels, int64_t chunk_rows, double cap) {
    at::Tensor w = weight.to(product_type(hidden));
    int64_t n = hidden.size(0);
    at::Tensor out = at::empty({n}, hidden.options().dtype(at::kFloat));
    at::Tensor lse = at::empty({n}, out.options());
    for (int64_t start = 0; start < n; start += chunk_rows) {
      int64_t rows = std::min(chunk_rows, n - start);
      Chunk c = chunk_at(hidden, labels, start, rows);
      at::Tensor logits = chunk_logits(c, w, cap);  // [c, V]
      at::Tensor chunk_lse = at::logsumexp(logits, -1);
      lse.narrow(0, start, rows).copy_(chunk_lse);
      at::Tensor logp = logits.gather(1, c.index).squeeze(1) - chunk_lse;
      out.narrow(0, start, rows).copy_(logp.masked_fill(c.ignored, 0));
    }
    ctx->save_for_backward({hidden, weight, labels, lse});
    ctx->saved_data["chunk_rows"] = chunk_rows;
    ctx->saved_data["cap"] = cap;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &hidden = saved[0], &weight = saved[1], &labels = saved[2], &lse = saved[3];
    int64_t chunk_rows = ctx->saved_data["chunk_rows"].toInt();
    const double cap = ctx->saved_data["cap"].toDouble();
    const at::ScalarType product = product_type(hidden);
    at::Tensor grad = grad_outputs[0].to(at::kFloat);
    at::Tensor w = weight.to(product);
    bool want_h = ctx->needs_input_grad(0), want_w = ctx->needs_input_grad(1);
    at::Tensor grad_h = want_h ? at::empty(hidden.sizes(), w.options()) : at::Tensor();
    at::Tensor grad_w = want_w ? at::zeros(w.sizes(), w.options().dtype(at::kFloat)) : at::Tensor();
    int64_t n = hidden.size(0);
    for (int64_t start = 0; start < n; start += chunk_rows) {
      int64_t rows = std::min(chunk_rows, n - start);
      Chunk c = chunk_at(hidden, labels, start, rows);
      at::Tensor g = grad.narrow(0, start, rows).masked_fill(c.ignored, 0).unsqueeze(1);  // [c, 1]
      at::Tensor logits = chunk_logits(c, w, cap);
      at::Tensor dlogits = at::exp(logits - lse.narrow(0, start, rows).unsqueeze(1)).mul_(g).neg_();
      dlogits.scatter_add_(1, c.index, g);  // onehot(y)·g − softmax·g, [c, V] float32
      if (cap > 0) dlogits.mul_(1 - logits.div_(cap).pow_(2));
      if (product != at::kFloat) dlogits = dlogits.to(product);
      if (want_h) grad_h.narrow(0, start, rows).copy_(at::matmul(dlogits, w));
      if (!want_w) continue;
      if (product == at::kFloat)
        grad_w.addmm_(dlogits.t(), c.hidden);
      else
        grad_w.add_(at::mm(dlogits.t(), c.hidden));  // each chunk's product rounded, the sum float32
    }
    return {want_h ? grad_h.to(hidden.scalar_type()) : at::Tensor(),
            want_w ? grad_w.to(weight.scalar_type()) : at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor token_logprobs_chunked(const at::Tensor& hidden, const at::Tensor& head_weight,
                                  const at::Tensor& labels, int64_t chunk_rows, double softcap) {
  check(hidden.dim() == 2, "token_logprobs_chunked: hidden must be [N, H], got ", hidden.sizes());
  check(head_weight.dim() == 2 && head_weight.size(1) == hidden.size(1),
        "token_logprobs_chunked: head_weight must be [V, ", hidden.size(1), "], got ",
        head_weight.sizes());
  check(labels.dim() == 1 && labels.size(0) == hidden.size(0),
        "token_logprobs_chunked: labels must be [", hidden.size(0), "], got ", labels.sizes());
  check(chunk_rows >= 1, "token_logprobs_chunked: chunk_rows must be >= 1, got ", chunk_rows);
  detail::check_token_labels(labels, head_weight.size(0), "token_logprobs_chunked");
  check(softcap >= 0, "token_logprobs_chunked: softcap must be >= 0, got ", softcap);
  return ChunkedLogprobs::apply(hidden, head_weight, labels.to(at::kLong), chunk_rows, softcap);
}

at::Tensor token_log_sum_sq_probs_chunked(const at::Tensor& hidden, const at::Tensor& head_weight,
                                          int64_t chunk_rows) {
  check(hidden.dim() == 2, "token_log_sum_sq_probs_chunked: hidden must be [N, H], got ", hidden.sizes());
  check(head_weight.dim() == 2 && head_weight.size(1) == hidden.size(1),
        "token_log_sum_sq_probs_chunked: head_weight must be [V, ", hidden.size(1), "], got ", head_weight.sizes());
  check(chunk_rows >= 1, "token_log_sum_sq_probs_chunked: chunk_rows must be >= 1, got ", chunk_rows);
  at::NoGradGuard no_grad;
  const at::Tensor h_all = hidden.detach(), w = head_weight.detach().to(product_type(hidden));
  const int64_t n = hidden.size(0);
  at::Tensor out = at::empty({n}, hidden.options().dtype(at::kFloat));
  for (int64_t start = 0; start < n; start += chunk_rows) {
    const int64_t rows = std::min(chunk_rows, n - start);
    at::Tensor logits = at::matmul(h_all.narrow(0, start, rows).to(w.scalar_type()), w.t()).to(at::kFloat);
    out.narrow(0, start, rows).copy_(at::logsumexp(2 * logits, -1) - 2 * at::logsumexp(logits, -1));
  }
  return out;
}

}  // namespace lpo::objectives
