// SentencePiece: a tiny model trained here (there is no tokenizer.model in ../shared).
#include <gtest/gtest.h>

#include <sentencepiece_trainer.h>

#include <fstream>

#include "test_support.hpp"
#include "tokenizer/tokenizer.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

// Trains a 400-piece BPE model on generated sentences; returns the model directory.
std::string train_tiny_model(const std::string& dir) {
  const std::string corpus = dir + "/corpus.txt";
  {
    std::ofstream out(corpus);
    const char* words[] = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far",
                           "away", "from", "home", "today", "little", "big", "red", "blue"};
    for (int i = 0; i < 2000; ++i) {
      for (int w = 0; w < 8; ++w) out << (w ? " " : "") << words[(i * 7 + w * 5 + i / 3) % 18];
      out << " " << i << "\n";
    }
  }
  const auto status = sentencepiece::SentencePieceTrainer::Train(
      "--input=" + corpus + " --model_prefix=" + dir + "/tokenizer --vocab_size=400 --model_type=bpe"
      " --character_coverage=1.0 --byte_fallback=true --normalization_rule_name=identity"
      " --bos_id=1 --eos_id=2 --unk_id=0 --minloglevel=2");
  EXPECT_TRUE(status.ok()) << status.ToString();
  return dir;
}

TEST(SentencePiece, TrainedModelRoundTripsAndKnowsItsControls) {
  const std::string dir = train_tiny_model(test::temp_dir("spm"));
  auto tok = load_tokenizer(dir);  // the directory has tokenizer.model (and no tokenizer.json)
  EXPECT_EQ(tok->vocab_size(), 400);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->token_to_id("<s>"), 1);
  EXPECT_EQ(tok->token_to_id("not-a-piece"), std::nullopt);
  for (const std::string text : {"the cat sat on a mat", "big red dog 1234", "caf\xC3\xA9 \xE2\x82\xAC 42"}) {
    const auto ids = tok->encode(text);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(tok->decode(ids), text);
  }
  // Control symbols in the text are single ids when parsed, and decode to their text.
  const auto ids = tok->encode("<s>the cat</s>");
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(ids.back(), 2);
  EXPECT_EQ(tok->decode(ids), "<s>the cat</s>");
  EXPECT_EQ(tok->decode(ids, true), "the cat");
  EXPECT_NE(tok->encode("<s>", false).front(), 1);
  EXPECT_THROW(tok->decode({400}), Error);
  EXPECT_EQ(tok->fingerprint().size(), 16u);
}

TEST(SentencePiece, GarbageModelFileNamesThePath) {
  const std::string path = test::temp_dir("garbage") + "/tokenizer.model";
  std::ofstream(path) << "not a protobuf";
  try {
    load_tokenizer(path);
    FAIL() << "expected lpo::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lpo
