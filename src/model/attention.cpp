#include "model/attention.hpp"

#include <cmath>
#include <limits>

#include "model/kv_cache.hpp"
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

at::Tensor self_attention(const at::Tensor& x, const AttentionWeights& w, const AttentionShape& shape,
                          const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed,
                          KVCache* cache, int64_t layer) {
  int64_t b = x.size(0), t = x.size(1);
  at::Tensor q = split_heads(at::linear(x, w.q_w, w.q_b), shape.heads, shape.head_dim);
  at::Tensor k = split_heads(at::linear(x, w.k_w, w.k_b), shape.kv_heads, shape.head_dim);
  at::Tensor v = split_heads(at::linear(x, w.v_w, w.v_b), shape.kv_heads, shape.head_dim);
  q = apply_rope(q, cos, sin);
  k = apply_rope(k, cos, sin);
  if (cache) std::tie(k, v) = cache->append(layer, k, v);
  int64_t rep = shape.heads / shape.kv_heads;
  k = repeat_kv(k, rep);
  v = repeat_kv(v, rep);

  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(shape.head_dim)));
  scores = scores.to(at::kFloat).masked_fill(allowed.logical_not(), std::numeric_limits<float>::lowest());
  at::Tensor probs = at::softmax(scores, -1).to(q.scalar_type());  // [B, heads, T, S]
  at::Tensor out = at::matmul(probs, v);                              // [B, heads, T, d]
  out = out.transpose(1, 2).reshape({b, t, shape.heads * shape.head_dim});
  return at::linear(out, w.o_w);
}

}  // namespace lpo
