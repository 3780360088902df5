// self_attention's hand-written backward (probabilities recomputed, not stored) against
// autograd through the composed softmax attention, in float64.
#include <gtest/gtest.h>

#include <cmath>

#include "model/attention.hpp"
#include "model/rope.hpp"

namespace lpo {
namespace {

at::Tensor heads_of(const at::Tensor& x, int64_t heads, int64_t d) {
  return x.view({x.size(0), x.size(1), heads, d}).transpose(1, 2);
}

// The eager attention of transformers, written out: softmax over masked scores.
at::Tensor reference_attention(const at::Tensor& x, const AttentionWeights& w, const AttentionShape& s,
                               const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed) {
  at::Tensor q = apply_rope(heads_of(at::linear(x, w.q_w, w.q_b), s.heads, s.head_dim), cos, sin);
  at::Tensor k = apply_rope(heads_of(at::linear(x, w.k_w, w.k_b), s.kv_heads, s.head_dim), cos, sin);
  at::Tensor v = heads_of(at::linear(x, w.v_w, w.v_b), s.kv_heads, s.head_dim);
  const int64_t rep = s.heads / s.kv_heads;
  k = k.repeat_interleave(rep, 1);
  v = v.repeat_interleave(rep, 1);
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(s.head_dim));
  at::Tensor p = at::softmax(scores.masked_fill(allowed.logical_not(), -1e300), -1);
  at::Tensor out = at::matmul(p, v).transpose(1, 2).reshape({x.size(0), x.size(1), s.heads * s.head_dim});
  return at::linear(out, w.o_w);
}

TEST(AttentionBackward, MatchesAutogradThroughSoftmax) {
  at::manual_seed(5);
  const int64_t B = 2, T = 6, H = 16;
  const AttentionShape shape{4, 2, 4};
  auto opts = at::TensorOptions(at::kDouble);
  auto param = [&](std::vector<int64_t> size) { return (at::randn(size, opts) * 0.3).requires_grad_(true); };
  AttentionWeights w{param({16, H}), param({16}), param({8, H}), param({8}), param({8, H}), param({8}), param({H, 16})};
  at::Tensor x = at::randn({B, T, H}, opts).requires_grad_(true);
  at::Tensor positions = at::arange(T, at::kLong).unsqueeze(0).expand({B, T});
  auto [cos, sin] = rope_cos_sin(positions, rope_inv_freq(shape.head_dim, 10000.0));
  // Row 1 is right-padded after 4 tokens: its padded queries see nothing but themselves.
  at::Tensor key_mask = at::ones({B, T}, at::kLong);
  key_mask[1][4] = 0;
  key_mask[1][5] = 0;
  at::Tensor allowed = causal_attention_mask(B, T, 0, key_mask, at::kCPU);
  at::Tensor dy = at::randn({B, T, H}, opts);
  std::vector<at::Tensor> inputs{x, w.q_w, w.q_b, w.k_w, w.k_b, w.v_w, w.v_b, w.o_w};
  auto grads = [&](const at::Tensor& y) {
    for (auto& t : inputs) t.mutable_grad() = at::Tensor();
    (y * dy).sum().backward();
    std::vector<at::Tensor> g;
    for (auto& t : inputs) g.push_back(t.grad().clone());
    return g;
  };
  // Padded query rows differ by design (zero output here, uniform average there): compare and
  // backpropagate through the real positions only.
  at::Tensor real = key_mask.to(at::kDouble).unsqueeze(-1);
  at::Tensor want_y = reference_attention(x, w, shape, cos, sin, allowed) * real;
  auto want = grads(want_y);
  at::Tensor got_y = self_attention(x, w, shape, cos, sin, allowed, nullptr, 0) * real;
  ASSERT_TRUE(at::allclose(got_y, want_y, 1e-10, 1e-12));
  auto got = grads(got_y);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(at::allclose(got[i], want[i], 1e-9, 1e-12)) << "input " << i;
}

}  // namespace
}  // namespace lpo
