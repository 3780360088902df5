// Padding masks, position ids and gradients of the transformer.
#include <cmath>

#include "model/attention.hpp"
#include "model/kv_cache.hpp"
#include "model/transformer.hpp"
#include "model_test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

// A random tiny qwen2 model (biases, GQA 4/2 heads) for tests that need no golden numbers.
Transformer random_model(bool tied = false) {
  ModelConfig c = preset_config("tiny", 97);
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_hidden_layers = 2;
  c.head_dim = 8;
  c.tie_word_embeddings = tied;
  Transformer m(c);
  m.init_random(7, 0.2);
  return m;
}

const std::vector<std::vector<int64_t>> kRows = {{5, 9, 12, 3, 44, 8}, {7, 1, 60}, {90, 2, 2, 17, 33}};

TEST(TransformerMasks, CausalMaskHandComputed) {
  at::Tensor key_mask = at::tensor({1, 1, 0}, at::kLong).view({1, 3});
  at::Tensor m = causal_attention_mask(1, 2, 1, key_mask, at::kCPU);  // queries at positions 1, 2
  ASSERT_EQ(m.sizes(), (std::vector<int64_t>{1, 1, 2, 3}));
  std::vector<bool> want = {true, true, false, true, true, false};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(m.view(-1)[i].item<bool>(), want[i]) << i;
}

TEST(TransformerMasks, RightPaddingMatchesSingleRows) {
  Transformer model = random_model();
  at::NoGradGuard no_grad;
  int64_t t = 6;
  at::Tensor ids = at::zeros({3, t}, at::kLong), mask = at::zeros({3, t}, at::kLong);
  for (int64_t b = 0; b < 3; ++b)
    for (size_t i = 0; i < kRows[b].size(); ++i) {
      ids[b][i] = kRows[b][i];
      mask[b][i] = 1;
    }
  ForwardOptions opts;
  opts.attention_mask = mask;
  at::Tensor batched = model.forward(ids, opts);
  EXPECT_FALSE(batched.isnan().any().item<bool>());
  for (int64_t b = 0; b < 3; ++b) {
    int64_t n = kRows[b].size();
    at::Tensor single = model.forward(test::row(kRows[b]))[0];
    EXPECT_TRUE(at::allclose(batched[b].narrow(0, 0, n), single, 1e-5, 1e-5)) << "row " << b;
  }
}

TEST(TransformerMasks, LeftPaddingWithPositionIdsMatchesSingleRows) {
  Transformer model = random_model(/*tied=*/true);
  at::NoGradGuard no_grad;
  int64_t t = 6;
  at::Tensor ids = at::zeros({3, t}, at::kLong), mask = at::zeros({3, t}, at::kLong);
  at::Tensor pos = at::zeros({3, t}, at::kLong);
  for (int64_t b = 0; b < 3; ++b) {
    int64_t pad = t - static_cast<int64_t>(kRows[b].size());
    for (size_t i = 0; i < kRows[b].size(); ++i) {
      ids[b][pad + i] = kRows[b][i];
      mask[b][pad + i] = 1;
      pos[b][pad + i] = static_cast<int64_t>(i);
    }
  }
  ForwardOptions opts;
  opts.attention_mask = mask;
  opts.position_ids = pos;
  at::Tensor batched = model.forward(ids, opts);  // padded query rows are fully masked: must stay finite
  EXPECT_TRUE(batched.isfinite().all().item<bool>());
  for (int64_t b = 0; b < 3; ++b) {
    int64_t n = kRows[b].size();
    at::Tensor single = model.forward(test::row(kRows[b]))[0];
    EXPECT_TRUE(at::allclose(batched[b].narrow(0, t - n, n), single, 1e-5, 1e-5)) << "row " << b;
  }
}

TEST(TransformerMasks, FourDimensionalMaskEqualsPaddingMask) {
  Transformer model = random_model();
  at::NoGradGuard no_grad;
  at::Tensor ids = at::tensor({4, 5, 6, 7, 8, 9, 10, 11}, at::kLong).view({2, 4});
  at::Tensor pad = at::tensor({1, 1, 1, 0, 1, 1, 1, 1}, at::kLong).view({2, 4});
  ForwardOptions a, b;
  a.attention_mask = pad;
  b.attention_mask = causal_attention_mask(2, 4, 0, pad, at::kCPU);
  EXPECT_TRUE(at::allclose(model.forward(ids, a), model.forward(ids, b)));
}

TEST(TransformerMasks, GradientsFlowToEveryParameterAndStayFinite) {
  Transformer model = random_model();
  model.set_requires_grad(true);
  at::Tensor ids = at::tensor({3, 4, 5, 6, 0, 0}, at::kLong).view({1, 6}).repeat({2, 1});
  at::Tensor mask = at::tensor({1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, at::kLong).view({2, 6});  // row 1 all padding
  ForwardOptions opts;
  opts.attention_mask = mask;
  at::Tensor logits = model.forward(ids, opts);
  at::Tensor loss = at::log_softmax(logits, -1).select(-1, 3).mul(mask.to(at::kFloat)).sum();
  loss.backward();
  for (const auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_TRUE(p.grad().isfinite().all().item<bool>()) << name;
    EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0) << name;
  }
}

TEST(TransformerMasks, RejectsOutOfVocabularyIds) {
  Transformer model = random_model();
  EXPECT_THROW(model.forward(test::row({1, 97})), Error);
}

TEST(TransformerParams, NamesCountsAndInit) {
  ModelConfig c = preset_config("tiny", 1000);
  Transformer m(c);
  // embeddings 1000*256; per layer: attn 256*(256+128+128) + 256*256 + biases 512, mlp 3*256*688, norms 512.
  int64_t per_layer = 256 * 512 + 256 * 256 + 512 + 3 * 256 * 688 + 512;
  EXPECT_EQ(m.num_parameters(), 1000 * 256 + 4 * per_layer + 256);
  EXPECT_EQ(m.named_parameters().front().first, "model.embed_tokens.weight");
  EXPECT_EQ(m.named_parameters().back().first, "model.norm.weight");  // tied: no lm_head
  m.init_random(3, 0.02);
  EXPECT_NEAR(m.parameter("model.layers.0.mlp.up_proj.weight").std().item<double>(), 0.02, 1e-3);
  EXPECT_EQ(m.parameter("model.layers.1.self_attn.k_proj.bias").abs().sum().item<double>(), 0.0);
  EXPECT_EQ(m.parameter("model.norm.weight").sum().item<double>(), 256.0);
  Transformer same(c);
  same.init_random(3, 0.02);
  EXPECT_TRUE(at::equal(same.parameter("model.embed_tokens.weight"), m.parameter("model.embed_tokens.weight")));
  EXPECT_THROW(m.parameter("lm_head.weight"), Error);
}

}  // namespace
}  // namespace lpo
