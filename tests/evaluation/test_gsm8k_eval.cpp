// GSM8K scoring on real data: the gold solutions score 100%, and the verifier agrees with the
// human-checked `is_correct` of four real models' solutions.
#include "evaluation/gsm8k_eval.hpp"
#include "model/transformer.hpp"
#include "test_support.hpp"
#include "util/error.hpp"
#include "word_tokenizer.hpp"

namespace lpo::evaluation {

TEST(Gsm8kEval, GoldSolutionsScoreFullMarks) {
  LPO_REQUIRE_SHARED("data/gsm8k/test.jsonl");
  auto items = read_gsm8k(test::shared_path("data/gsm8k/test.jsonl"));
  ASSERT_EQ(items.size(), 1319u);
  std::vector<std::string> gold;
  for (const auto& it : items) gold.push_back(it.solution);
  Gsm8kReport r = score_gsm8k(items, gold);
  EXPECT_EQ(r.strict, 1.0);
  EXPECT_EQ(r.flexible, 1.0);
  EXPECT_EQ(r.verified, 1.0);
  EXPECT_EQ(items[0].gold, "18");  // Janet's ducks
}

TEST(Gsm8kEval, VerifierAgreesWithRealModelsIsCorrect) {
  LPO_REQUIRE_SHARED("data/gsm8k/example_model_solutions.jsonl");
  auto items = read_gsm8k(test::shared_path("data/gsm8k/example_model_solutions.jsonl"));
  ASSERT_EQ(items.size(), 1319u);
  for (const char* model : {"6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"}) {
    std::vector<std::string> texts;
    long agree = 0, correct = 0;
    for (const auto& it : items) texts.push_back(it.line.at(model).at("solution").get<std::string>());
    Gsm8kReport r = score_gsm8k(items, texts);
    for (size_t i = 0; i < items.size(); ++i) {
      const bool truth = items[i].line.at(model).at("is_correct").get<bool>();
      agree += r.results[i].verified_correct == truth;
      correct += truth;
    }
    EXPECT_EQ(agree, 1319) << model;
    EXPECT_DOUBLE_EQ(r.verified, static_cast<double>(correct) / 1319.0) << model;
  }
}

TEST(Gsm8kEval, StrictAndFlexibleDifferAsInLmEval) {
  Gsm8kItem item{"q", "x #### 1,000", "1000", {}, "t"};
  Gsm8kResult a = score_generation(item, "so 999 + 1 = 1000. The answer is 1000");
  EXPECT_FALSE(a.strict.has_value());
  EXPECT_TRUE(a.flexible_correct);
  EXPECT_TRUE(a.verified_correct);
  Gsm8kResult b = score_generation(item, "#### 1000\nthen 7 more");
  EXPECT_TRUE(b.strict_correct);
  EXPECT_FALSE(b.flexible_correct);  // the last number is 7
  EXPECT_TRUE(b.verified_correct);   // "####" comes first for the verifier
  Gsm8kResult c = score_generation(item, "no idea");
  EXPECT_FALSE(c.strict_correct || c.flexible_correct || c.verified_correct);
}

TEST(Gsm8kEval, FewShotPromptLayout) {
  Gsm8kOptions o;
  Gsm8kItem item{"What is 2+2?", "#### 4", "4", {}, ""};
  EXPECT_EQ(gsm8k_prompt(item, o), "What is 2+2?");
  o.num_fewshot = 1;
  o.fewshot = {{"1+1?", "1+1=2\n#### 2", "2", {}, ""}};
  EXPECT_EQ(gsm8k_prompt(item, o), "Question: 1+1?\nAnswer: 1+1=2\n#### 2\n\nQuestion: What is 2+2?\nAnswer:");
  o.num_fewshot = 2;
  EXPECT_THROW(gsm8k_prompt(item, o), Error);
}

// --stop in eval: each generation is cut before the earliest stop string, also one
// that spans two tokens (two-letter tokens, a stop at an odd offset), before it is scored.
TEST(Gsm8kEval, StopStringsCutGenerationsBeforeTheFirstOneAcrossTokenBoundaries) {
  test::WordTokenizer tokenizer;
  ModelConfig c = preset_config("tiny", tokenizer.vocab_size());
  c.hidden_size = 32, c.intermediate_size = 64, c.num_hidden_layers = 1, c.num_attention_heads = 2,
  c.num_key_value_heads = 1;
  Transformer model(c);
  model.init_random(7, 0.5);
  std::vector<Gsm8kItem> items{{"abcd", "#### 1", "1", {}, "t:1"}, {"qbza", "#### 2", "2", {}, "t:2"},
                               {"kkbb", "#### 3", "3", {}, "t:3"}};
  Gsm8kOptions o;
  o.progress = false;
  o.generate.max_new_tokens = 12;
  o.generate.batch_size = 2;
  o.generate.temperature = 1.0;  // seeded sampling: varied texts (greedy loops on this model), same in both runs
  o.generate.seed = 3;
  const Gsm8kReport full = evaluate_gsm8k(model, tokenizer, items, o);
  ASSERT_EQ(full.generations.size(), 3u);
  const std::string first = full.generations[0];
  ASSERT_EQ(first.size(), 24u);
  const size_t k = test::boundary_stop_offset(first, 5);
  ASSERT_NE(k, std::string::npos) << first;
  const std::string later = first.substr(first.size() - 4, 4);
  ASSERT_GT(first.find(later), k);
  o.stop_strings = {later, first.substr(k, 2)};
  const Gsm8kReport cut = evaluate_gsm8k(model, tokenizer, items, o);
  ASSERT_EQ(cut.generations.size(), 3u);
  EXPECT_EQ(cut.generations[0], first.substr(0, k)) << first << " stop " << o.stop_strings[1];
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(cut.generations[i], test::cut_before_first(full.generations[i], o.stop_strings)) << full.generations[i];
}

}  // namespace lpo::evaluation
