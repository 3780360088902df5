// SentencePiece: a tiny model trained by lpo_spm_train (tiny_spm_model.hpp), read through the shim.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <stdlib.h>

#include <fstream>

#include "test_support.hpp"
#include "tiny_spm_model.hpp"
#include "tokenizer/spm_loader.hpp"
#include "tokenizer/tokenizer.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

using test::train_tiny_spm_model;

TEST(SentencePiece, TrainedModelRoundTripsAndKnowsItsControls) {
  const std::string dir = train_tiny_spm_model(test::temp_dir("spm"));
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

// The shim keeps libsentencepiece out of the global symbol scope (RTLD_LOCAL): a loaded model
// leaves SentencePieceProcessor's constructor invisible to dlsym(RTLD_DEFAULT).
TEST(SentencePiece, ShimKeepsSentencePieceOutOfTheGlobalScope) {
  const std::string dir = train_tiny_spm_model(test::temp_dir("spm"));
  auto tok = load_tokenizer(dir + "/tokenizer.model");
  EXPECT_EQ(tok->vocab_size(), 400);
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "_ZN13sentencepiece22SentencePieceProcessorC1Ev"), nullptr);
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "lpo_spm_load"), nullptr);
}

// $LPO_SPM_SHIM alone when set; else beside the executable, then the build output.
TEST(SentencePiece, ShimCandidatesFollowTheEnvironmentThenTheExecutable) {
  ::setenv("LPO_SPM_SHIM", "/nowhere/liblpo_spm.so", 1);
  EXPECT_EQ(spm_shim_candidates(), std::vector<std::string>{"/nowhere/liblpo_spm.so"});
  ::unsetenv("LPO_SPM_SHIM");
  const auto paths = spm_shim_candidates();
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], (std::filesystem::canonical(LPO_BINARY_DIR) / "tests/liblpo_spm.so").string());
  EXPECT_EQ(paths[1], std::string(LPO_BINARY_DIR) + "/liblpo_spm.so");
}

}  // namespace
}  // namespace lpo
