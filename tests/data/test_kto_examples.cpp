// Unpaired KTO examples (TRL's format): reading, errors, and the KL pairing within chunks.
#include <fstream>

#include "data/kto_examples.hpp"
#include "fake_tokenizer.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

using test::bytes;
using test::FakeTokenizer;

std::string error_of(const std::string& path) {
  try {
    read_kto_examples(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<int32_t> with_eos(const std::string& s) {
  auto ids = bytes(s);
  ids.push_back(FakeTokenizer::kEos);
  return ids;
}

}  // namespace

TEST(KtoExamples, ReadsLabelsAndPairsEachWithThePreviousCompletionInItsChunk) {
  const std::string dir = test::temp_dir("kto");
  {
    std::ofstream out(dir + "/k.jsonl");
    for (int i = 0; i < 5; ++i)
      out << R"({"prompt": "p)" << i << R"(", "completion": "c)" << i << R"(", "label": )" << (i % 2 ? "false" : "true")
          << "}\n";
  }
  EXPECT_TRUE(is_kto_file(dir + "/k.jsonl"));
  auto examples = read_kto_examples(dir + "/k.jsonl");
  ASSERT_EQ(examples.size(), 5u);
  EXPECT_TRUE(examples[0].desirable);
  EXPECT_FALSE(examples[1].desirable);
  EXPECT_EQ(examples[3].source, dir + "/k.jsonl:4");
  FakeTokenizer tok;
  KtoTokens t = encode_kto_examples(examples, tok, EncodeOptions{}, /*kl_batch=*/3);
  ASSERT_EQ(t.pairs.size(), 5u);
  EXPECT_EQ(t.desirable, (std::vector<bool>{true, false, true, false, true}));
  // Chunks [0, 3) and [3, 5): KL completions c2, c0, c1 | c4, c3.
  const char* kl[] = {"c2", "c0", "c1", "c4", "c3"};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(t.pairs[i].prompt, bytes("p" + std::to_string(i))) << i;
    EXPECT_EQ(t.pairs[i].chosen, with_eos("c" + std::to_string(i))) << i;
    EXPECT_EQ(t.pairs[i].rejected, with_eos(kl[i])) << i;
  }
  EXPECT_THROW(encode_kto_examples(examples, tok, EncodeOptions{}, 0), Error);
}

TEST(KtoExamples, BadLinesNameTheFieldAndLine) {
  const std::string dir = test::temp_dir("kto-bad");
  std::ofstream(dir + "/label.jsonl") << R"({"prompt": "p", "completion": "c", "label": 1})" << "\n";
  EXPECT_NE(error_of(dir + "/label.jsonl").find("label.jsonl:1: field 'label': expected true or false"),
            std::string::npos);
  std::ofstream(dir + "/conv.jsonl") << R"({"prompt": [{"role": "user", "content": "hi"}], "completion": "c", "label": true})"
                                     << "\n";
  EXPECT_NE(error_of(dir + "/conv.jsonl").find("render the messages to text"), std::string::npos);
  std::ofstream(dir + "/nolabel.jsonl") << R"({"prompt": "p", "completion": "c"})" << "\n";
  EXPECT_NE(error_of(dir + "/nolabel.jsonl").find("missing field 'label'"), std::string::npos);
  EXPECT_FALSE(is_kto_file(dir + "/nolabel.jsonl"));
  std::ofstream(dir + "/empty.jsonl") << "\n";
  EXPECT_NE(error_of(dir + "/empty.jsonl").find("no KTO examples"), std::string::npos);
}

}  // namespace lpo
