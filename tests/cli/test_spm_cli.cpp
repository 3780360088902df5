// `lpo tokenize` with a SentencePiece tokenizer.model: the lpo binary links libtorch, so this
// runs sentencepiece (through the lpo_spm shim) beside libtorch's protobuf in a real process.
#include <gtest/gtest.h>

#include <stdlib.h>

#include "cli_support.hpp"
#include "tiny_spm_model.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo {
namespace {

// "[1,2,3]" for {1, 2, 3}: the line `lpo tokenize` writes.
std::string json_ids(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t k = 0; k < ids.size(); ++k) out += (k ? "," : "") + std::to_string(ids[k]);
  return out + "]";
}

TEST(SpmCli, TokenizeEncodesAndDecodesWithATokenizerModel) {
  LPO_SKIP_SPM_BESIDE_TORCH_UNDER_ASAN();
  const std::string dir = test::train_tiny_spm_model(test::temp_dir("spm"));
  const auto tok = load_tokenizer(dir);
  const auto ids = tok->encode("<s>the big red dog");
  auto r = test::run_lpo("tokenize --tokenizer " + dir + "/tokenizer.model", "\"<s>the big red dog\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, json_ids(ids) + "\n");
  r = test::run_lpo("tokenize --decode --tokenizer " + dir, json_ids(ids) + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "\"<s>the big red dog\"\n");
}

// $LPO_SPM_SHIM (inherited by the child) points nowhere: a clean error naming that path.
TEST(SpmCli, MissingShimIsAnErrorNamingThePathTried) {
  const std::string dir = test::train_tiny_spm_model(test::temp_dir("spm"));
  ::setenv("LPO_SPM_SHIM", "/nowhere/liblpo_spm.so", 1);
  const auto r = test::run_lpo("tokenize --tokenizer " + dir, "\"x\"\n");
  ::unsetenv("LPO_SPM_SHIM");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("cannot load the SentencePiece shim"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("/nowhere/liblpo_spm.so: no such file"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lpo
