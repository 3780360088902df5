#include "model/attention.hpp"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/kv_cache.hpp"
#include "model/layers.hpp"
#include "model/rope.hpp"

namespace lpo {
namespace {

// [B, T, H] -> [B, heads, T, head_dim]
at::Tensor split_heads(const at::Tensor& x, int64_t heads, int64_t head_dim) {
  return x.view({x.size(0), x.size(1), heads, head_dim}).transpose(1, 2);
}

// [B, kv_heads, S, d] -> [B, kv_heads * rep, S, d], head h = kv head h / rep (transformers' repeat_kv).
at::Tensor repeat_kv(const at::Tensor& x, int64_t rep) {
  if (rep == 1) return x;
  auto s = x.sizes();
  return x.unsqueeze(2).expand({s[0], s[1], rep, s[2], s[3]}).reshape({s[0], s[1] * rep, s[2], s[3]});
}

// Softmax arithmetic: float32 for float32 and narrower inputs, float64 for float64 ones.
at::ScalarType softmax_type(const at::Tensor& q) { return q.scalar_type() == at::kDouble ? at::kDouble : at::kFloat; }

// q kᵀ · scale, soft-capped to cap·tanh(s / cap) when cap > 0 (before any masking).
at::Tensor raw_scores(const at::Tensor& q, const at::Tensor& k, double scale, double cap) {
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)).to(softmax_type(q)).mul_(scale);
  return cap > 0 ? scores.div_(cap).tanh_().mul_(cap) : scores;
}

// Scores of the allowed keys, disallowed ones at the lowest float.
at::Tensor masked_scores(const at::Tensor& q, const at::Tensor& k, const at::Tensor& allowed, double scale,
                         double cap) {
  return raw_scores(q, k, scale, cap).masked_fill_(allowed.logical_not(), std::numeric_limits<float>::lowest());
}

// Softmax from the row log-sum-exp, with disallowed keys exactly 0 (a fully masked row is all
// zeros rather than a uniform average, so padding stays finite and sends no gradient).
at::Tensor probabilities(const at::Tensor& scores, const at::Tensor& lse, const at::Tensor& allowed) {
  return at::exp(scores - lse).masked_fill_(allowed.logical_not(), 0);
}

// softmax(q kᵀ · scale over allowed keys) v, keeping for backward only q, k, v, the output
// and the row log-sum-exps, not the [T, S] probabilities: they are recomputed, as in
// FlashAttention's backward (Dao et al. 2022, alg. 2 without tiling). With O the output:
//   P = exp(S − lse), dV = Pᵀ dO, dP = dO Vᵀ, dS = P ⊙ (dP − rowsum(dO ⊙ O)),
//   dQ = dS K · scale, dK = dSᵀ Q · scale;
// with a soft-cap S = c·tanh(R / c) of the raw scores R, dR = dS ⊙ (1 − tanh²(R / c)).
struct MaskedAttention : public torch::autograd::Function<MaskedAttention> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& q, const at::Tensor& k,
                            const at::Tensor& v, const at::Tensor& allowed, double scale, double cap) {
    at::Tensor scores = masked_scores(q, k, allowed, scale, cap);
    at::Tensor lse = at::logsumexp(scores, -1, /*keepdim=*/true);
    at::Tensor out = at::matmul(probabilities(scores, lse, allowed).to(q.scalar_type()), v);
    ctx->save_for_backward({q, k, v, allowed, out, lse});
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["cap"] = cap;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto s = ctx->get_saved_variables();
    const at::Tensor &q = s[0], &k = s[1], &v = s[2], &allowed = s[3], &out = s[4], &lse = s[5];
    const double scale = ctx->saved_data["scale"].toDouble(), cap = ctx->saved_data["cap"].toDouble();
    const at::Tensor d_out = grads[0];
    const at::ScalarType acc = softmax_type(q);
    at::Tensor scores = raw_scores(q, k, scale, cap);
    at::Tensor tanh_deriv;
    if (cap > 0) tanh_deriv = 1 - (scores / cap).pow(2);  // before masking: finite everywhere
    at::Tensor p = probabilities(scores.masked_fill_(allowed.logical_not(), std::numeric_limits<float>::lowest()),
                                 lse, allowed);
    at::Tensor dv = at::matmul(p.to(v.scalar_type()).transpose(-2, -1), d_out);
    at::Tensor dp = at::matmul(d_out, v.transpose(-2, -1)).to(acc);
    at::Tensor row = (d_out.to(acc) * out.to(acc)).sum(-1, /*keepdim=*/true);
    at::Tensor ds = p.mul_(dp.sub_(row));
    if (cap > 0) ds.mul_(tanh_deriv);
    ds = ds.mul_(scale).to(q.scalar_type());
    return {at::matmul(ds, k), at::matmul(ds.transpose(-2, -1), q), dv, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// softmax(scores over allowed keys) v without autograd.
at::Tensor softmax_attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                          double scale, double cap) {
  at::Tensor scores = masked_scores(q, k, allowed, scale, cap);
  at::Tensor lse = at::logsumexp(scores, -1, /*keepdim=*/true);
  return at::matmul(probabilities(scores, lse, allowed).to(q.scalar_type()), v);
}

double score_scale(const AttentionShape& shape) {
  return shape.scale > 0 ? shape.scale : 1.0 / std::sqrt(static_cast<double>(shape.head_dim));
}

// q [B, heads, T, d], k/v [B, heads, S, d], allowed [B or 1, 1, T, S] bool -> [B, heads, T, d].
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                  const AttentionShape& shape) {
  const double scale = score_scale(shape);
  if (at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad()))
    return MaskedAttention::apply(q, k, v, allowed, scale, shape.softcap);
  // Without autograd, a few rows at a time: the float32 [rows, heads, T, S] scores and their
  // exponentials stay under ~64 MB instead of growing with the batch (inference memory).
  const int64_t b = q.size(0);
  const int64_t row_bytes = q.size(1) * q.size(2) * k.size(2) * 4;
  const int64_t rows = std::max<int64_t>(1, (int64_t{64} << 20) / std::max<int64_t>(1, row_bytes));
  if (rows >= b) return softmax_attend(q, k, v, allowed, scale, shape.softcap);
  at::Tensor out = at::empty({b, q.size(1), q.size(2), v.size(3)}, q.options());
  for (int64_t start = 0; start < b; start += rows) {
    const int64_t n = std::min(rows, b - start);
    const at::Tensor a = allowed.size(0) == b ? allowed.narrow(0, start, n) : allowed;
    out.narrow(0, start, n)
        .copy_(softmax_attend(q.narrow(0, start, n), k.narrow(0, start, n), v.narrow(0, start, n), a, scale,
                              shape.softcap));
  }
  return out;
}

// One packed span: q/k/v [1, heads, L, d], mask [L, L] bool or undefined (causal). Every query
// of a span may attend at least to itself, so no row is fully masked and the fused kernels of
// libtorch >= 2.1 apply (scaled_dot_product_attention: FlashAttention for the causal case,
// the memory-efficient kernel for a prefix-shared or windowed mask on GPUs); they have no
// soft-cap. libtorch 1.13 has none: there the explicit path above runs.
at::Tensor attend_span(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                       const AttentionShape& shape) {
  const int64_t length = q.size(2);
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  if (shape.softcap <= 0) {
    const double scale = score_scale(shape);
    if (!mask.defined()) return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true, scale);
    return at::scaled_dot_product_attention(q, k, v, mask.to(q.device()).view({1, 1, length, length}), 0.0, false,
                                            scale);
  }
#endif
  at::Tensor allowed = mask.defined() ? mask.to(q.device()).view({1, 1, length, length})
                                      : causal_attention_mask(1, length, 0, {}, q.device());
  return attend(q, k, v, allowed, shape);
}

// Per-head RMSNorm of q or k [B, heads, T, d] (undefined weight: none).
at::Tensor head_norm(const at::Tensor& x, const at::Tensor& weight, const AttentionShape& shape) {
  return weight.defined() ? rms_norm(x, weight, shape.norm_eps, shape.norm_offset) : x;
}

}  // namespace

at::Tensor causal_attention_mask(int64_t batch, int64_t t, int64_t past, const at::Tensor& key_mask,
                                 c10::Device device) {
  auto opts = at::TensorOptions(at::kLong).device(device);
  at::Tensor q_pos = at::arange(past, past + t, opts).unsqueeze(1);  // [T, 1]
  at::Tensor k_pos = at::arange(0, past + t, opts).unsqueeze(0);     // [1, S]
  at::Tensor allowed = k_pos.le(q_pos).view({1, 1, t, past + t});
  if (key_mask.defined())
    allowed = allowed.logical_and(key_mask.to(device).to(at::kBool).view({batch, 1, 1, past + t}));
  return allowed;
}

at::Tensor windowed_mask(const at::Tensor& allowed, int64_t past, int64_t window) {
  if (window <= 0) return allowed;
  const int64_t t = allowed.size(-2), total = allowed.size(-1);
  auto opts = at::TensorOptions(at::kLong).device(allowed.device());
  at::Tensor q_pos = at::arange(past, past + t, opts).unsqueeze(1);  // [T, 1]
  at::Tensor k_pos = at::arange(0, total, opts).unsqueeze(0);        // [1, S]
  return allowed.logical_and(q_pos.sub(k_pos).lt(window));
}

at::Tensor windowed_mask_by_position(const at::Tensor& allowed, const at::Tensor& positions, int64_t window) {
  at::Tensor pos = positions.to(allowed.defined() ? allowed.device() : positions.device());
  const int64_t t = pos.size(-1);
  at::Tensor base = allowed.defined() ? allowed : causal_attention_mask(1, t, 0, {}, pos.device()).view({t, t});
  if (window <= 0) return base;
  at::Tensor near = pos.unsqueeze(-1).sub(pos.unsqueeze(-2)).lt(window);  // [..., T, T]
  if (pos.dim() == 2) near = near.unsqueeze(1);                           // [B, 1, T, T]
  return base.logical_and(near);
}

at::Tensor self_attention(const at::Tensor& x, const AttentionWeights& w, const AttentionShape& shape,
                          const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed,
                          KVCache* cache, int64_t layer, const std::vector<AttentionSpan>& spans) {
  int64_t b = x.size(0), t = x.size(1);
  at::Tensor q = split_heads(adapted_linear(x, w.q_w, w.q_b, w.q_lora), shape.heads, shape.head_dim);
  at::Tensor k = split_heads(adapted_linear(x, w.k_w, w.k_b, w.k_lora), shape.kv_heads, shape.head_dim);
  at::Tensor v = split_heads(adapted_linear(x, w.v_w, w.v_b, w.v_lora), shape.kv_heads, shape.head_dim);
  q = apply_rope(head_norm(q, w.q_norm, shape), cos, sin);
  k = apply_rope(head_norm(k, w.k_norm, shape), cos, sin);
  if (cache) std::tie(k, v) = cache->append(layer, k, v);
  int64_t rep = shape.heads / shape.kv_heads;
  k = repeat_kv(k, rep);
  v = repeat_kv(v, rep);

  at::Tensor out;  // [B, heads, T, d]
  if (spans.empty()) {
    out = attend(q, k, v, allowed, shape);
  } else {
    std::vector<at::Tensor> parts;
    for (const AttentionSpan& s : spans)
      parts.push_back(attend_span(q.narrow(2, s.start, s.length), k.narrow(2, s.start, s.length),
                                  v.narrow(2, s.start, s.length), s.mask, shape));
    out = at::cat(parts, 2);
  }
  out = out.transpose(1, 2).reshape({b, t, shape.heads * shape.head_dim});
  return adapted_linear(out, w.o_w, at::Tensor(), w.o_lora);
}

}  // namespace lpo
