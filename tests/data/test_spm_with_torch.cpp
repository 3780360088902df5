// A SentencePiece tokenizer in a process that links libtorch (and so the system libprotobuf):
// before the lpo_spm shim, linking libsentencepiece next to libtorch crashed at startup.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <fstream>
#include <numeric>

#include "data/encode_pairs.hpp"
#include "test_support.hpp"
#include "tiny_spm_model.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo {
namespace {

// True when a shared object whose path contains `name` is mapped into this process.
bool mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find(name) != std::string::npos) return true;
  return false;
}

TEST(SentencePieceWithTorch, EncodesPairsIntoTensorsBesideLibtorch) {
  LPO_SKIP_SPM_BESIDE_TORCH_UNDER_ASAN();
  ASSERT_TRUE(mapped("libtorch_cpu")) << "this test must run in a libtorch process";
  const std::string dir = test::train_tiny_spm_model(test::temp_dir("spm"));
  auto tok = load_tokenizer(dir);
  ASSERT_EQ(tok->vocab_size(), 400);
  EXPECT_TRUE(mapped("libsentencepiece"));  // loaded by the shim, privately
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "_ZN13sentencepiece22SentencePieceProcessorC1Ev"), nullptr);

  PreferencePair pair;
  pair.prompt = "the cat sat on ", pair.chosen = "a mat", pair.rejected = "a dog 42";
  pair.source = "t.jsonl:1";
  const auto t = encode_pair(pair, tok.get(), {});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->prompt, tok->encode("the cat sat on "));
  ASSERT_FALSE(t->chosen.empty());
  EXPECT_EQ(t->chosen.back(), 2);  // the model's </s>
  EXPECT_EQ(tok->decode(t->rejected, /*skip_special=*/true), "a dog 42");

  // The ids feed libtorch in the same process.
  const at::Tensor ids = at::tensor(t->chosen, at::kInt);
  EXPECT_EQ(ids.numel(), static_cast<int64_t>(t->chosen.size()));
  EXPECT_EQ(ids.sum().item<int64_t>(), std::accumulate(t->chosen.begin(), t->chosen.end(), int64_t{0}));
}

}  // namespace
}  // namespace lpo
