// The transformer against numbers computed by independent implementations (../shared/models).
#include "model/kv_cache.hpp"
#include "model/score.hpp"
#include "model/transformer.hpp"
#include "model_test_support.hpp"

namespace lpo {
namespace {

const char* kQwen = "models/tiny-qwen2-golden";
const char* kStories = "models/stories260K";

TEST(TransformerGolden, TinyQwen2LastLogitsAndLogprobs) {
  LPO_REQUIRE_SHARED(std::string(kQwen) + "/golden.json");
  Transformer model = load_model(test::shared_path(kQwen));
  EXPECT_EQ(model.config().model_type, "qwen2");
  EXPECT_TRUE(model.config().attention_bias);
  auto golden = test::read_json(test::shared_path(kQwen) + "/golden.json");
  ASSERT_GE(golden.size(), 3u);
  at::NoGradGuard no_grad;
  for (const auto& g : golden) {
    auto ids = g["ids"].get<std::vector<int64_t>>();
    at::Tensor logits = model.forward(test::row(ids))[0];  // [T, V]
    at::Tensor expected = at::tensor(g["last_logits"].get<std::vector<double>>(), at::kDouble);
    EXPECT_TRUE(test::close(logits[-1], expected)) << "ids of length " << ids.size();
    double sum = test::sum_logprob(logits, ids);
    double want_sum = g["sum_logprob_of_ids_after_first"].get<double>();
    double want_mean = g["mean_logprob_of_ids_after_first"].get<double>();
    EXPECT_NEAR(sum, want_sum, 1e-4 * std::abs(want_sum));
    EXPECT_NEAR(sum / (ids.size() - 1), want_mean, 1e-4 * std::abs(want_mean));
  }
}

TEST(TransformerGolden, ScoreSequencesBatchedMatchesGolden) {
  LPO_REQUIRE_SHARED(std::string(kQwen) + "/golden.json");
  Transformer model = load_model(test::shared_path(kQwen));
  auto golden = test::read_json(test::shared_path(kQwen) + "/golden.json");
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& g : golden) seqs.push_back(g["ids"].get<std::vector<int32_t>>());
  seqs.push_back({7});  // a single id: nothing to score
  auto scores = score_sequences(model, seqs, /*batch_size=*/2, /*top=*/3);
  ASSERT_EQ(scores.size(), seqs.size());
  for (size_t i = 0; i < golden.size(); ++i) {
    double want = golden[i]["sum_logprob_of_ids_after_first"].get<double>();
    EXPECT_NEAR(scores[i].sum_logprob, want, 1e-4 * std::abs(want));
    EXPECT_EQ(scores[i].num_tokens, static_cast<int64_t>(seqs[i].size()) - 1);
    auto logits = golden[i]["last_logits"].get<std::vector<double>>();
    ASSERT_EQ(scores[i].last_top.size(), 3u);
    auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
    EXPECT_EQ(scores[i].last_top[0].first, best);
    EXPECT_NEAR(scores[i].last_top[0].second, logits[best], 1e-4 * std::abs(logits[best]) + 1e-5);
  }
  EXPECT_EQ(scores.back().num_tokens, 0);
  EXPECT_EQ(scores.back().sum_logprob, 0.0);
}

// Greedy decoding by recomputing the whole sequence each step (no cache).
std::vector<int64_t> greedy_no_cache(const Transformer& model, std::vector<int64_t> ids, int steps) {
  at::NoGradGuard no_grad;
  size_t start = ids.size();
  for (int i = 0; i < steps; ++i) ids.push_back(model.forward(test::row(ids))[0][-1].argmax().item<int64_t>());
  return {ids.begin() + start, ids.end()};
}

// Greedy decoding feeding one token at a time through a KVCache.
std::vector<int64_t> greedy_with_cache(const Transformer& model, std::vector<int64_t> prompt, int steps) {
  at::NoGradGuard no_grad;
  KVCache cache(model.config().num_hidden_layers);
  ForwardOptions opts;
  opts.cache = &cache;
  at::Tensor logits = model.forward(test::row(prompt), opts)[0][-1];
  std::vector<int64_t> out;
  for (int i = 0; i < steps; ++i) {
    out.push_back(logits.argmax().item<int64_t>());
    logits = model.forward(test::row({out.back()}), opts)[0][-1];
  }
  return out;
}

TEST(TransformerGolden, Stories260KGreedyMatchesRunC) {
  LPO_REQUIRE_SHARED(std::string(kStories) + "/GREEDY.txt");
  Transformer model = load_model(test::shared_path(kStories));
  EXPECT_TRUE(model.config().tie_word_embeddings);
  auto expected = test::read_ids(test::shared_path(kStories) + "/GREEDY.txt");
  ASSERT_EQ(expected.size(), 80u);
  EXPECT_EQ(greedy_no_cache(model, {1}, 80), expected);
  EXPECT_EQ(greedy_with_cache(model, {1}, 80), expected);
}

TEST(TransformerGolden, CachedChunksMatchFullForward) {
  LPO_REQUIRE_SHARED(std::string(kQwen) + "/config.json");
  Transformer model = load_model(test::shared_path(kQwen));
  at::NoGradGuard no_grad;
  at::Tensor ids = at::arange(10, 30, at::kLong).unsqueeze(0);
  at::Tensor full = model.forward(ids);
  KVCache cache(model.config().num_hidden_layers);
  ForwardOptions opts;
  opts.cache = &cache;
  at::Tensor a = model.forward(ids.narrow(1, 0, 7), opts);
  at::Tensor b = model.forward(ids.narrow(1, 7, 1), opts);
  at::Tensor c = model.forward(ids.narrow(1, 8, 12), opts);
  EXPECT_EQ(cache.length(), 20);
  EXPECT_TRUE(at::allclose(at::cat({a, b, c}, 1), full, 1e-5, 1e-5));
}

}  // namespace
}  // namespace lpo
