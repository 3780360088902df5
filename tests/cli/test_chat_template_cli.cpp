// The model's own chat template through the lpo binary: `apply-chat-template` on the shared
// golden renderings, and conversational preference pairs (multi-turn, system message) through
// ref-logprobs and train with the qwen3 and llama3 templates.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "data/scored_pairs.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

TEST(ChatTemplateCli, ApplyChatTemplateReproducesTheGoldenRenderings) {
  const char* golden = "tokenizers/chat-template-golden.jsonl";
  LPO_REQUIRE_SHARED(golden);
  for (const std::string family : {"qwen3", "llama3"}) {
    std::string input;
    std::vector<std::string> expected;
    std::ifstream in(test::shared_path(golden));
    std::string line;
    while (std::getline(in, line)) {
      auto row = nlohmann::ordered_json::parse(line);
      if (row.at("template") != family) continue;
      nlohmann::ordered_json request = {{"messages", row.at("messages")},
                                        {"add_generation_prompt", row.at("add_generation_prompt")}};
      const nlohmann::ordered_json extra = row.value("extra", nlohmann::ordered_json::object());
      for (const auto& [k, v] : extra.items()) request[k] = v;
      input += request.dump() + "\n";
      expected.push_back(nlohmann::ordered_json(row.at("text").get<std::string>()).dump());
    }
    auto r = test::run_lpo("apply-chat-template --tokenizer " + test::shared_path("tokenizers/" + family), input);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::string want;
    for (const auto& e : expected) want += e + "\n";
    EXPECT_EQ(r.output, want) << family;
    EXPECT_EQ(expected.size(), 7u);
  }
  auto bad = test::run_lpo("apply-chat-template --tokenizer " + test::shared_path("tokenizers/qwen3/tokenizer_config.json"),
                           "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n{\"messages\": 3}\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("\"<|im_start|>user\\nhi<|im_end|>\\n\""), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("stdin:2: field 'messages'"), std::string::npos) << bad.output;
  auto none = test::run_lpo("apply-chat-template --tokenizer " + test::shared_path("tokenizers/gpt2"), "{}\n");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.output.find("has no chat template"), std::string::npos) << none.output;
}

// Three conversational pairs: explicit prompt with a system message, implicit multi-turn, and
// a string prompt; then ref-logprobs (template by default) and 2 training steps.
void template_pairs_end_to_end(const std::string& family, const std::vector<int32_t>& prompt0,
                               const std::vector<int32_t>& chosen0) {
  LPO_REQUIRE_SHARED("tokenizers/" + family + "/tokenizer_config.json");
  const std::string dir = test::temp_dir("tpl_" + family);
  auto ok = [](const test::RunResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.exit_code == 0;
  };
  ASSERT_TRUE(ok(test::run_lpo("init-model --out " + dir + "/init --tokenizer " + test::shared_path("tokenizers/" + family) +
                               " --hidden-size 16 --intermediate-size 32 --num-layers 1 --num-heads 2 --num-kv-heads 1 --seed 5")));
  const std::string data = dir + "/pairs.jsonl";
  write_file_atomic(data,
      R"({"prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"}],"chosen":[{"role":"assistant","content":"4"}],"rejected":[{"role":"assistant","content":"5"}]})" "\n"
      R"({"chosen":[{"role":"system","content":"Count."},{"role":"user","content":"1?"},{"role":"assistant","content":"2"},{"role":"user","content":"then?"},{"role":"assistant","content":"3"}],)"
      R"("rejected":[{"role":"system","content":"Count."},{"role":"user","content":"1?"},{"role":"assistant","content":"2"},{"role":"user","content":"then?"},{"role":"assistant","content":"7"}]})" "\n"
      R"({"prompt":"Name a color.","chosen":[{"role":"assistant","content":"Red"}],"rejected":[{"role":"assistant","content":"Seven"}]})" "\n");
  ASSERT_TRUE(ok(test::run_lpo("ref-logprobs --model " + dir + "/init --data " + data + " --out " + dir +
                               "/scored.jsonl --seq-length 128 --batch-size 2 --threads 1")));
  const ScoredPairsFile scored = read_scored_pairs(dir + "/scored.jsonl");
  ASSERT_EQ(scored.pairs.size(), 3u);
  EXPECT_EQ(scored.pairs[0].tokens.prompt, prompt0);
  EXPECT_EQ(scored.pairs[0].tokens.chosen, chosen0);
  ASSERT_TRUE(ok(test::run_lpo("train --model " + dir + "/init --data-path " + dir + "/scored.jsonl --save " + dir +
                               "/run --loss-type lpo-ste --lr 1e-3 --train-iters 2 --micro-batch-size 1"
                               " --global-batch-size 2 --log-interval 1 --no-progress --threads 1 --save-interval 0")));
  EXPECT_EQ(test::logged_losses(dir + "/run/metrics.jsonl").size(), 2u);
  // An explicit plain format still works and gives other prompt ids.
  ASSERT_TRUE(ok(test::run_lpo("ref-logprobs --model " + dir + "/init --data " + data + " --out " + dir +
                               "/plain.jsonl --chat-format plain --seq-length 128 --threads 1")));
  EXPECT_NE(read_scored_pairs(dir + "/plain.jsonl").pairs[0].tokens.prompt, prompt0);
}

TEST(ChatTemplateCli, Qwen3ConversationsThroughRefLogprobsAndTrain) {
  template_pairs_end_to_end("qwen3",
                            {151644, 8948, 198, 3430, 9814, 13, 151645, 198, 151644, 872, 198, 17, 10, 17, 30, 151645,
                             198, 151644, 77091, 198},
                            {151667, 271, 151668, 271, 19, 151645});
}

TEST(ChatTemplateCli, Llama3ConversationsThroughRefLogprobsAndTrain) {
  template_pairs_end_to_end("llama3",
                            {128000, 128006, 9125, 128007, 271, 3513, 10015, 13, 128009, 128006, 882, 128007, 271, 17,
                             10, 17, 30, 128009, 128006, 78191, 128007, 271},
                            {19, 128009});
}

}  // namespace
}  // namespace lpo
