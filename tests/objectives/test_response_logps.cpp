// Response log-probs under every layout (plain rows, shared prompt, packed, recomputed
// activations, chunked LM head) against the plain computation: values and gradients.
#include <gtest/gtest.h>

#include "model/layers.hpp"
#include "model/model_config.hpp"
#include "model/runtime.hpp"
#include "model/sequence_layout.hpp"
#include "model/transformer.hpp"
#include "objectives/batch.hpp"
#include "objectives/response_logps.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

// A random tiny qwen2 model (biases, GQA 4/2 heads, untied head).
Transformer random_model() {
  ModelConfig c = preset_config("tiny", 97);
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_hidden_layers = 2;
  c.head_dim = 8;
  c.tie_word_embeddings = false;
  Transformer m(c);
  m.init_random(11, 0.2);
  return m;
}

// Pairs of ragged lengths (ids < 97), reference numbers irrelevant here.
std::vector<ScoredPair> ragged_pairs() {
  std::vector<ScoredPair> pairs;
  const std::vector<std::vector<std::vector<int32_t>>> toks = {
      {{5, 9, 12}, {3, 44}, {8}},
      {{7, 1, 60, 2, 2, 17}, {33, 4, 4, 90}, {21, 22, 23}},
      {{50}, {51, 52, 53, 54, 55}, {56, 57}},
  };
  for (const auto& t : toks) pairs.push_back({{t[0], t[1], t[2]}, {}});
  return pairs;
}

std::vector<const ScoredPair*> pointers(const std::vector<ScoredPair>& pairs) {
  std::vector<const ScoredPair*> out;
  for (const auto& p : pairs) out.push_back(&p);
  return out;
}

struct Result {
  at::Tensor sums;                 // [2B] float32
  at::Tensor token_logits;         // [N, V]: logits at each scored token's predictor
  std::vector<at::Tensor> grads;   // per parameter
};

// Log-probs, logits and the gradients of a fixed weighted sum of the log-probs.
Result run(Transformer& model, const LayoutOptions& layout, const objectives::ResponseLogpsOptions& options) {
  model.set_requires_grad(true);
  for (auto& p : model.parameters()) p.mutable_grad() = at::Tensor();
  auto pairs = ragged_pairs();
  PairBatch batch = collate_pairs(pointers(pairs), false, layout);
  objectives::ResponseLogps lp = objectives::response_logps(model, batch.layout, options);
  at::Tensor weights = at::arange(1, 1 + lp.sum.size(0), at::kFloat) * 0.25;
  (lp.sum * weights).sum().backward();
  Result r{lp.sum.detach(), {}, {}};
  {
    at::NoGradGuard no_grad;
    ForwardOptions f;
    f.position_ids = batch.layout.position_ids;
    f.attention_mask = batch.layout.attention_mask;
    f.spans = batch.layout.spans;
    at::Tensor h = model.hidden_states(batch.layout.ids, f);
    r.token_logits = model.lm_head(h.index({batch.layout.score_row, batch.layout.score_col}));
  }
  for (auto& p : model.parameters()) r.grads.push_back(p.grad().clone());
  return r;
}

void expect_same(const Result& a, const Result& b, const std::string& what) {
  EXPECT_TRUE(at::allclose(a.sums, b.sums, 1e-5, 1e-6)) << what << "\n" << a.sums << b.sums;
  EXPECT_TRUE(at::allclose(a.token_logits, b.token_logits, 1e-5, 1e-5)) << what << " logits";
  ASSERT_EQ(a.grads.size(), b.grads.size());
  for (size_t i = 0; i < a.grads.size(); ++i) {
    double scale = a.grads[i].abs().max().item<double>();
    EXPECT_TRUE(at::allclose(a.grads[i], b.grads[i], 1e-5, 1e-5 * scale)) << what << " gradient " << i;
  }
}

TEST(SequenceLayout, SharedPrefixHandChecked) {
  std::vector<int32_t> prompt{5, 9, 12}, chosen{3, 44}, rejected{8};
  SequenceLayout l = layout_sequences({{&prompt, {&chosen, &rejected}, {0, 1}}}, LayoutOptions{true, true});
  EXPECT_TRUE(at::equal(l.ids, at::tensor({5, 9, 12, 3, 44, 8}, at::kLong).view({1, 6})));
  EXPECT_TRUE(at::equal(l.position_ids, at::tensor({0, 1, 2, 3, 4, 3}, at::kLong).view({1, 6})));
  EXPECT_TRUE(at::equal(l.score_col, at::tensor({2, 3, 2}, at::kLong)));  // rejected follows the prompt
  EXPECT_TRUE(at::equal(l.score_label, at::tensor({3, 44, 8}, at::kLong)));
  EXPECT_TRUE(at::equal(l.score_slot, at::tensor({0, 0, 1}, at::kLong)));
  ASSERT_EQ(l.spans.size(), 1u);
  EXPECT_FALSE(l.attention_mask.defined());
  // The rejected token (col 5) sees the prompt and itself, not the chosen tokens.
  std::vector<bool> want = {true, true, true, false, false, true};
  for (int k = 0; k < 6; ++k) EXPECT_EQ(l.spans[0].mask[5][k].item<bool>(), want[k]) << k;
  EXPECT_FALSE(l.spans[0].mask[3][4].item<bool>());  // causal within the chosen response
  EXPECT_TRUE(l.spans[0].mask[4][3].item<bool>());
  EXPECT_EQ(l.num_tokens, 6);
}

TEST(SequenceLayout, PlainRowsArePaddedCausalRows) {
  std::vector<int32_t> p{1, 2}, a{3}, b{4, 5, 6};
  SequenceLayout l = layout_sequences({{&p, {&a, &b}, {0, 1}}}, LayoutOptions{false, false});
  ASSERT_EQ(l.ids.sizes(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(l.attention_mask.dim(), 2);
  EXPECT_EQ(l.attention_mask.sum().item<int64_t>(), 3 + 5);
  EXPECT_EQ(l.num_tokens, 8);
}

TEST(SequenceLayout, RejectsEmptyParts) {
  std::vector<int32_t> p{1, 2}, empty, a{3};
  EXPECT_THROW(layout_sequences({{&p, {&empty}, {0}}}, {}), Error);
  EXPECT_THROW(layout_sequences({{&empty, {&a}, {0}}}, {}), Error);
  EXPECT_THROW(layout_sequences({}, {}), Error);
}

TEST(ResponseLogps, EveryLayoutMatchesPlainRows) {
  Transformer model = random_model();
  const Result plain = run(model, {false, false}, {});
  expect_same(run(model, {true, false}, {}), plain, "shared prefix, padded rows");
  expect_same(run(model, {false, true}, {}), plain, "packed, unshared");
  expect_same(run(model, {true, true}, {}), plain, "shared prefix, packed");
  expect_same(run(model, {true, true}, {true, 0}), plain, "recomputed activations");
  expect_same(run(model, {true, true}, {false, 3}), plain, "LM head in chunks of 3 tokens");
}

Result on_cpu(Result r) {
  r.sums = r.sums.to(at::kCPU).to(at::kFloat);
  r.token_logits = r.token_logits.to(at::kCPU).to(at::kFloat);
  for (auto& g : r.grads) g = g.to(at::kCPU).to(at::kFloat);
  return r;
}

// The same layouts on a GPU (float32): what runs there (fused attention with libtorch >= 2.0,
// cuBLAS) against the CPU's plain rows. Skipped without CUDA.
TEST(ResponseLogps, EveryLayoutOnCudaMatchesCpu) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA in this build or machine";
  Transformer cpu = random_model();
  const Result plain = run(cpu, {false, false}, {});
  Transformer gpu = cpu.to(parse_device("cuda"), at::kFloat);
  expect_same(on_cpu(run(gpu, {false, false}, {})), plain, "cuda: plain rows");
  expect_same(on_cpu(run(gpu, {true, true}, {})), plain, "cuda: shared prefix, packed");
  expect_same(on_cpu(run(gpu, {false, true}, {})), plain, "cuda: packed, unshared");
  expect_same(on_cpu(run(gpu, {true, true}, {true, 0})), plain, "cuda: recomputed activations");
}

// bfloat16 weights and activations (the --bf16 compute copy): log-probs within bf16 rounding
// of float32 and gradients pointing the same way, through every hand-written backward
// (attention, SwiGLU, chunked LM head) in the default layout.
TEST(ResponseLogps, Bf16TracksFloat32) {
  Transformer f32 = random_model();
  const Result want = run(f32, {true, true}, {});
  Transformer b16 = f32.to(c10::kCPU, at::kBFloat16);
  const Result got = on_cpu(run(b16, {true, true}, {}));
  auto pairs = ragged_pairs();
  const at::Tensor count = collate_pairs(pointers(pairs), false, {}).layout.score_slot.bincount().to(at::kFloat);
  // Per token: |Δ mean log-prob| below 0.05 nats (bf16 keeps 8 significant bits).
  EXPECT_TRUE(at::allclose(got.sums / count, want.sums / count, 0, 0.05)) << got.sums << want.sums;
  EXPECT_FALSE(at::equal(got.sums, want.sums)) << "bf16 rounding must show";
  double err = 0, norm = 0;
  for (size_t i = 0; i < want.grads.size(); ++i) {
    err += (got.grads[i] - want.grads[i]).pow(2).sum().item<double>();
    norm += want.grads[i].pow(2).sum().item<double>();
  }
  EXPECT_LT(std::sqrt(err / norm), 0.05) << "relative L2 error of all gradients";
}

TEST(ResponseLogps, PlainRowsMatchFullLogits) {
  // Independent check of the plain path: log_softmax over the full logits of each row.
  Transformer model = random_model();
  at::NoGradGuard no_grad;
  auto pairs = ragged_pairs();
  PairBatch batch = collate_pairs(pointers(pairs), false, {false, false});
  at::Tensor sums = objectives::response_logps(model, batch.layout).sum;
  for (size_t i = 0; i < pairs.size(); ++i) {
    for (int which = 0; which < 2; ++which) {
      const auto& t = pairs[i].tokens;
      std::vector<int64_t> ids(t.prompt.begin(), t.prompt.end());
      const auto& resp = which == 0 ? t.chosen : t.rejected;
      ids.insert(ids.end(), resp.begin(), resp.end());
      at::Tensor logp = at::log_softmax(model.forward(at::tensor(ids, at::kLong).unsqueeze(0))[0].to(at::kDouble), -1);
      double want = 0;
      for (size_t k = t.prompt.size(); k < ids.size(); ++k) want += logp[k - 1][ids[k]].item<double>();
      const int64_t slot = static_cast<int64_t>(i) + which * static_cast<int64_t>(pairs.size());
      EXPECT_NEAR(sums[slot].item<double>(), want, 1e-4) << "pair " << i << " response " << which;
    }
  }
}

// LD-DPO sums (tokens past the pair's shorter response weighted by α) and WPO weights
// exp(mean(log p_t − log Σ_v p_v²)) against the full logits of each sequence, in every layout.
TEST(ResponseLogps, LdAlphaAndWpoWeightsMatchFullLogits) {
  Transformer model = random_model();
  at::NoGradGuard no_grad;
  auto pairs = ragged_pairs();
  const int64_t B = static_cast<int64_t>(pairs.size());
  const double alpha = 0.3;
  std::vector<double> want_sum(2 * B), want_weight(2 * B);
  for (int64_t i = 0; i < B; ++i) {
    const auto& t = pairs[i].tokens;
    const size_t shared = std::min(t.chosen.size(), t.rejected.size());
    for (int which = 0; which < 2; ++which) {
      std::vector<int64_t> ids(t.prompt.begin(), t.prompt.end());
      const auto& resp = which == 0 ? t.chosen : t.rejected;
      ids.insert(ids.end(), resp.begin(), resp.end());
      at::Tensor z = model.forward(at::tensor(ids, at::kLong).unsqueeze(0))[0].to(at::kDouble);
      at::Tensor logp = at::log_softmax(z, -1), log_denom = at::logsumexp(2 * z, -1) - 2 * at::logsumexp(z, -1);
      double sum = 0, aligned = 0;
      for (size_t k = 0; k < resp.size(); ++k) {
        const size_t at_col = t.prompt.size() + k - 1;
        const double lp = logp[at_col][resp[k]].item<double>();
        sum += (k < shared ? 1.0 : alpha) * lp;
        aligned += lp - log_denom[at_col].item<double>();
      }
      want_sum[i + which * B] = sum;
      want_weight[i + which * B] = std::exp(aligned / static_cast<double>(resp.size()));
    }
  }
  for (LayoutOptions layout : {LayoutOptions{false, false}, LayoutOptions{true, true}, LayoutOptions{true, false}}) {
    objectives::ResponseLogpsOptions options;
    options.ld_alpha = alpha, options.wpo_weights = true, options.logit_chunk_rows = 3;
    PairBatch batch = collate_pairs(pointers(pairs), false, layout);
    objectives::ResponseLogps lp = objectives::response_logps(model, batch.layout, options);
    for (int64_t s = 0; s < 2 * B; ++s) {
      EXPECT_NEAR(lp.sum[s].item<double>(), want_sum[s], 1e-4) << "slot " << s << " share " << layout.share_prefix;
      EXPECT_NEAR(lp.wpo_weight[s].item<double>(), want_weight[s], 1e-4 * want_weight[s]) << "slot " << s;
    }
  }
  // The plain sum differs (pair 1's chosen has 4 tokens against 3): the weighting shows.
  PairBatch batch = collate_pairs(pointers(pairs), false, {});
  EXPECT_GT(std::abs(objectives::response_logps(model, batch.layout).sum[1].item<double>() - want_sum[1]), 1e-3);
}

TEST(SwigluMlp, HandWrittenBackwardMatchesComposedOps) {
  at::manual_seed(3);
  auto opts = at::TensorOptions(at::kDouble);
  at::Tensor x = at::randn({2, 5, 6}, opts).requires_grad_(true);
  at::Tensor gate = at::randn({7, 6}, opts).requires_grad_(true), up = at::randn({7, 6}, opts).requires_grad_(true);
  at::Tensor down = at::randn({6, 7}, opts).requires_grad_(true);
  at::Tensor dy = at::randn({2, 5, 6}, opts);
  auto grads = [&](const at::Tensor& y) {
    for (auto* t : {&x, &gate, &up, &down}) t->mutable_grad() = at::Tensor();
    (y * dy).sum().backward();
    return std::vector<at::Tensor>{x.grad().clone(), gate.grad().clone(), up.grad().clone(), down.grad().clone()};
  };
  at::Tensor composed = at::linear(at::silu(at::linear(x, gate)) * at::linear(x, up), down);
  auto want = grads(composed);
  at::Tensor fused = gated_mlp(x, gate, up, down);
  EXPECT_TRUE(at::allclose(fused, composed, 1e-12, 1e-12));
  auto got = grads(fused);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(at::allclose(got[i], want[i], 1e-10, 1e-10)) << "input " << i;
}

TEST(ForwardSpans, MustTileTheRow) {
  Transformer model = random_model();
  at::NoGradGuard no_grad;
  ForwardOptions f;
  f.spans = {{0, 2, {}}, {3, 2, {}}};  // gap at 2
  EXPECT_THROW(model.hidden_states(at::ones({1, 5}, at::kLong), f), Error);
  f.spans = {{0, 2, {}}, {2, 2, {}}};  // stops short of 5
  EXPECT_THROW(model.hidden_states(at::ones({1, 5}, at::kLong), f), Error);
  f.spans = {{0, 5, {}}};
  EXPECT_THROW(model.hidden_states(at::ones({2, 5}, at::kLong), f), Error);  // two rows
  EXPECT_NO_THROW(model.hidden_states(at::ones({1, 5}, at::kLong), f));
}

}  // namespace
}  // namespace lpo
