// lpo sample: the seed's candidate schema, same seed -> same candidates, sharding changes nothing.
#include <filesystem>
#include <fstream>

#include "model/transformer.hpp"
#include "pipeline/sample.hpp"
#include "test_support.hpp"
#include "tokenizer/byte_level_vocab.hpp"
#include "util/files.hpp"
#include "util/error.hpp"
#include "util/jsonl.hpp"
#include "word_tokenizer.hpp"

namespace lpo::pipeline {
namespace {

std::vector<nlohmann::json> read_all(const std::string& path) {
  std::vector<nlohmann::json> out;
  for_each_json_line(path, [&](const nlohmann::json& j, long) { out.push_back(j); });
  return out;
}

struct SampleSetup {
  std::string dir;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<Transformer> model;
};

SampleSetup make_setup(const std::string& dir) {
  SampleSetup s{dir, nullptr, nullptr};
  write_file_atomic(dir + "/tokenizer.json", byte_level_tokenizer_json({"<|endoftext|>"}).dump());
  s.tokenizer = load_tokenizer(dir + "/tokenizer.json");
  ModelConfig c = preset_config("tiny", s.tokenizer->vocab_size());
  c.hidden_size = 32, c.intermediate_size = 64, c.num_hidden_layers = 1, c.num_attention_heads = 2,
  c.num_key_value_heads = 1;
  s.model = std::make_unique<Transformer>(c);
  s.model->init_random(11, 0.5);  // large weights: varied samples
  std::ofstream(dir + "/prompts.jsonl") << R"({"question": "1 + 1?", "answer": "2"})" "\n"
                                        << R"({"prompt": "2 + 2?"})" "\n"
                                        << R"({"model_input": "3 + 3?", "better_context": "6"})" "\n";
  return s;
}

SampleOptions options(uint64_t seed) {
  SampleOptions o;
  o.num_candidates = 3;
  o.generate.temperature = 1.0;
  o.generate.max_new_tokens = 8;
  o.generate.seed = seed;
  return o;
}

}  // namespace

TEST(Sample, WritesCandidateSchemaDeterministicallyAndShardInvariant) {
  SampleSetup s = make_setup(test::temp_dir("sample"));
  auto r = sample_candidates(*s.model, *s.tokenizer, s.dir + "/prompts.jsonl", s.dir + "/all.jsonl", options(5));
  EXPECT_EQ(r.prompts, 3);
  EXPECT_EQ(r.candidates, 9);
  auto all = read_all(s.dir + "/all.jsonl");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["model_input"], "1 + 1?");
  EXPECT_EQ(all[0]["better_context"], "2");  // gold answer carried over from `answer`
  EXPECT_FALSE(all[1].contains("better_context"));
  EXPECT_EQ(all[2]["better_context"], "6");
  for (const auto& line : all) EXPECT_EQ(line["candidate_set"].size(), 3u);

  sample_candidates(*s.model, *s.tokenizer, s.dir + "/prompts.jsonl", s.dir + "/again.jsonl", options(5));
  EXPECT_EQ(read_all(s.dir + "/again.jsonl"), all);
  sample_candidates(*s.model, *s.tokenizer, s.dir + "/prompts.jsonl", s.dir + "/other.jsonl", options(6));
  EXPECT_NE(read_all(s.dir + "/other.jsonl"), all);

  SampleOptions shard0 = options(5), shard1 = options(5);
  shard0.shard_count = shard1.shard_count = 2;
  shard1.shard_index = 1;
  sample_candidates(*s.model, *s.tokenizer, s.dir + "/prompts.jsonl", s.dir + "/s0.jsonl", shard0);
  sample_candidates(*s.model, *s.tokenizer, s.dir + "/prompts.jsonl", s.dir + "/s1.jsonl", shard1);
  auto s0 = read_all(s.dir + "/s0.jsonl"), s1 = read_all(s.dir + "/s1.jsonl");
  ASSERT_EQ(s0.size(), 2u);
  ASSERT_EQ(s1.size(), 1u);
  EXPECT_EQ(s0[0], all[0]);
  EXPECT_EQ(s1[0], all[1]);
  EXPECT_EQ(s0[1], all[2]);
}

TEST(Sample, LineWithoutPromptNamesFileAndLine) {
  SampleSetup s = make_setup(test::temp_dir("sample"));
  std::ofstream(s.dir + "/bad.jsonl") << R"({"prompt": "ok"})" "\n" << R"({"text": "no prompt"})" "\n";
  try {
    sample_candidates(*s.model, *s.tokenizer, s.dir + "/bad.jsonl", s.dir + "/o.jsonl", options(1));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2: no prompt"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(s.dir + "/o.jsonl"));
}

// --stop: each candidate is cut before the earliest of the stop strings, whatever their
// order, including one that spans the boundary between two tokens (two-letter tokens: a
// two-character stop at an odd offset is the end of one token and the start of the next).
TEST(Sample, StopStringsCutBeforeTheFirstOneAcrossTokenBoundaries) {
  const std::string dir = test::temp_dir("stop");
  test::WordTokenizer tokenizer;
  ModelConfig c = preset_config("tiny", tokenizer.vocab_size());
  c.hidden_size = 32, c.intermediate_size = 64, c.num_hidden_layers = 1, c.num_attention_heads = 2,
  c.num_key_value_heads = 1;
  Transformer model(c);
  model.init_random(11, 0.5);
  std::ofstream(dir + "/prompts.jsonl") << R"({"prompt": "abcd"})" "\n" << R"({"prompt": "zaqb"})" "\n";
  SampleOptions o = options(5);
  o.generate.max_new_tokens = 12;
  sample_candidates(model, tokenizer, dir + "/prompts.jsonl", dir + "/full.jsonl", o);
  const auto full = read_all(dir + "/full.jsonl");
  ASSERT_EQ(full.size(), 2u);
  const std::string first = full[0]["candidate_set"][0].get<std::string>();
  ASSERT_EQ(first.size(), 24u);  // 12 tokens of 2 letters, no stop id
  const size_t k = test::boundary_stop_offset(first, 5);
  ASSERT_NE(k, std::string::npos) << first;
  const std::string spanning = first.substr(k, 2);             // last letter of token k/2, first of the next
  const std::string later = first.substr(first.size() - 4, 4);  // listed first, found later (or not at all)
  ASSERT_GT(first.find(later), k);
  o.stop_strings = {later, spanning};
  sample_candidates(model, tokenizer, dir + "/prompts.jsonl", dir + "/cut.jsonl", o);
  const auto cut = read_all(dir + "/cut.jsonl");
  ASSERT_EQ(cut.size(), 2u);
  EXPECT_EQ(cut[0]["candidate_set"][0].get<std::string>(), first.substr(0, k)) << first << " stop " << spanning;
  int shortened = 0;
  for (size_t p = 0; p < 2; ++p)
    for (size_t j = 0; j < 3; ++j) {
      const std::string text = full[p]["candidate_set"][j].get<std::string>();
      const std::string got = cut[p]["candidate_set"][j].get<std::string>();
      EXPECT_EQ(got, test::cut_before_first(text, o.stop_strings)) << text;
      shortened += got.size() < text.size();
    }
  EXPECT_GE(shortened, 1);
}

}  // namespace lpo::pipeline
