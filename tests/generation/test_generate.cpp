// Batched decoding: the stories260K greedy golden ids, batching invariance, stop ids, seeding.
#include <chrono>
#include <fstream>

#include "generation/generate.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

const char* kStories = "models/stories260K";

std::vector<int32_t> greedy_golden() {
  std::ifstream in(test::shared_path(std::string(kStories) + "/GREEDY.txt"));
  std::vector<int32_t> ids;
  for (int32_t v; in >> v;) ids.push_back(v);
  return ids;
}

TEST(Generate, Stories260KGreedyWithAndWithoutCache) {
  LPO_REQUIRE_SHARED(std::string(kStories) + "/GREEDY.txt");
  Transformer model = load_model(test::shared_path(kStories));
  auto expected = greedy_golden();
  for (bool cache : {true, false}) {
    GenerateOptions opt;
    opt.max_new_tokens = 80;
    opt.use_cache = cache;
    auto t0 = std::chrono::steady_clock::now();
    auto out = generate(model, {{1}}, opt);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], expected) << "use_cache=" << cache;
    std::printf("[ info ] stories260K greedy, %s cache: %.0f tokens/s\n", cache ? "with" : "without", 80 / secs);
  }
}

TEST(Generate, BatchedPromptsOfDifferentLengthsMatchSingles) {
  LPO_REQUIRE_SHARED(std::string(kStories) + "/GREEDY.txt");
  Transformer model = load_model(test::shared_path(kStories));
  auto golden = greedy_golden();
  // Prompts cut from the golden continuation: greedy decoding must continue it exactly.
  std::vector<std::vector<int32_t>> prompts = {{1}, {1, golden[0], golden[1], golden[2]}, {1, golden[0]}};
  GenerateOptions opt;
  opt.max_new_tokens = 20;
  opt.batch_size = 3;
  auto batched = generate(model, prompts, opt);
  EXPECT_EQ(batched[0], std::vector<int32_t>(golden.begin(), golden.begin() + 20));
  EXPECT_EQ(batched[1], std::vector<int32_t>(golden.begin() + 3, golden.begin() + 23));
  EXPECT_EQ(batched[2], std::vector<int32_t>(golden.begin() + 1, golden.begin() + 21));
  opt.batch_size = 2;
  EXPECT_EQ(generate(model, prompts, opt), batched);
}

TEST(Generate, StopIdsEndRowsIndependently) {
  LPO_REQUIRE_SHARED(std::string(kStories) + "/GREEDY.txt");
  Transformer model = load_model(test::shared_path(kStories));
  auto golden = greedy_golden();  // 461 461 401 401 401 461 378 ...
  GenerateOptions opt;
  opt.max_new_tokens = 30;
  opt.stop_ids = {378};
  auto out = generate(model, {{1}, {1, golden[0], golden[1], golden[2], golden[3], golden[4], golden[5], golden[6]}}, opt);
  EXPECT_EQ(out[0], (std::vector<int32_t>{461, 461, 401, 401, 401, 461}));
  EXPECT_EQ(out[1], std::vector<int32_t>(golden.begin() + 7, golden.begin() + 37));  // 378 already in its prompt
  opt.include_stop_token = true;
  EXPECT_EQ(generate(model, {{1}}, opt)[0].back(), 378);
}

TEST(Generate, SamplingIsSeededAndCacheInvariant) {
  LPO_REQUIRE_SHARED(std::string(kStories) + "/GREEDY.txt");
  Transformer model = load_model(test::shared_path(kStories));
  GenerateOptions opt;
  opt.max_new_tokens = 25;
  opt.temperature = 1.0;
  opt.top_p = 0.9;
  opt.seed = 17;
  std::vector<std::vector<int32_t>> prompts = {{1}, {1, 461}, {1}};
  auto a = generate(model, prompts, opt);
  EXPECT_EQ(generate(model, prompts, opt), a);
  opt.use_cache = false;
  EXPECT_EQ(generate(model, prompts, opt), a);
  opt.use_cache = true;
  opt.seed = 18;
  EXPECT_NE(generate(model, prompts, opt), a);
  for (const auto& row : a) EXPECT_EQ(row.size(), 25u);
}

TEST(Generate, RejectsBadInput) {
  ModelConfig c = preset_config("tiny", 50);
  c.num_hidden_layers = 1;
  Transformer model(c);
  GenerateOptions opt;
  EXPECT_THROW(generate(model, {{}}, opt), Error);
  EXPECT_THROW(generate(model, {{1, 50}}, opt), Error);
  opt.batch_size = 0;
  EXPECT_THROW(generate(model, {{1}}, opt), Error);
  opt.batch_size = 1;
  opt.max_new_tokens = 0;
  EXPECT_EQ(generate(model, {{1}}, opt), std::vector<std::vector<int32_t>>{{}});
}

}  // namespace
}  // namespace lpo
