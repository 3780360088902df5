#include <cmath>

#include "data/scored_pairs.hpp"
#include "test_support.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

const char* kHeader = R"({"lpo_scored_pairs":1,"tokenizer_fingerprint":"abc123","seq_length":64,"model":"m"})";

ScoredPair make_pair(double chosen_sum, double rejected_sum) {
  ScoredPair p;
  p.tokens = {{1, 2, 3}, {4, 5}, {6, 7, 8}};
  p.reference.chosen_sum = chosen_sum;
  p.reference.rejected_sum = rejected_sum;
  p.reference.chosen_len = 2;
  p.reference.rejected_len = 3;
  return p;
}

void expect_error(const std::string& path, const std::string& needle) {
  try {
    read_scored_pairs(path);
    FAIL() << "expected an error containing: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// KTO files carry "kto" in the header and a label per line; --ld-alpha is recorded too.
TEST(ScoredPairs, KtoLabelsAndLdAlphaRoundTrip) {
  auto dir = test::temp_dir("scored-kto");
  ScoredPairsHeader header{"abc123", 64, "m"};
  header.kto = true, header.ld_alpha = 0.5;
  std::vector<ScoredPair> pairs = {make_pair(-1, -2), make_pair(-3, -4)};
  pairs[1].desirable = false;
  write_scored_pairs(dir + "/k.jsonl", header, pairs);
  EXPECT_TRUE(is_scored_pairs_file(dir + "/k.jsonl"));
  ScoredPairsFile f = read_scored_pairs(dir + "/k.jsonl");
  EXPECT_TRUE(f.header.kto);
  EXPECT_EQ(f.header.ld_alpha, 0.5);
  ASSERT_EQ(f.pairs.size(), 2u);
  EXPECT_TRUE(f.pairs[0].desirable);
  EXPECT_FALSE(f.pairs[1].desirable);
  // A plain file reads as before: no kto, ld_alpha 1.
  write_scored_pairs(dir + "/p.jsonl", ScoredPairsHeader{"abc123", 64, "m"}, pairs);
  ScoredPairsFile plain = read_scored_pairs(dir + "/p.jsonl");
  EXPECT_FALSE(plain.header.kto);
  EXPECT_EQ(plain.header.ld_alpha, 1.0);
  EXPECT_EQ(read_file(dir + "/p.jsonl").find("label"), std::string::npos);
  // A KTO line without its label is an error naming the field.
  write_file_atomic(dir + "/bad.jsonl", std::string(R"({"lpo_scored_pairs":1,"tokenizer_fingerprint":"a","seq_length":8,"kto":true})") +
                                            "\n" + R"({"prompt_ids":[1],"chosen_ids":[2],"rejected_ids":[3],"ref_chosen_logps_sum":-1,"ref_rejected_logps_sum":-1,"ref_chosen_len":1,"ref_rejected_len":1})" + "\n");
  expect_error(dir + "/bad.jsonl", "bad.jsonl:2: missing field 'label'");
  write_file_atomic(dir + "/pairs.jsonl", R"({"prompt": "a", "chosen": "b", "rejected": "c"})" "\n");
  EXPECT_FALSE(is_scored_pairs_file(dir + "/pairs.jsonl"));
}

TEST(ScoredPairs, RoundTripKeepsExactValues) {
  auto dir = test::temp_dir("scored");
  ScoredPairsHeader header{"abc123", 64, "models/ref"};
  std::vector<ScoredPair> pairs = {make_pair(-12.345678901234567, -20.25), make_pair(-0.1, -1e-300)};
  write_scored_pairs(dir + "/s.jsonl", header, pairs);
  ScoredPairsFile f = read_scored_pairs(dir + "/s.jsonl");
  EXPECT_EQ(f.header.tokenizer_fingerprint, "abc123");
  EXPECT_EQ(f.header.seq_length, 64);
  EXPECT_EQ(f.header.model, "models/ref");
  ASSERT_EQ(f.pairs.size(), 2u);
  EXPECT_EQ(f.pairs[0].tokens.prompt, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(f.pairs[0].tokens.chosen, (std::vector<int32_t>{4, 5}));
  EXPECT_EQ(f.pairs[0].tokens.rejected, (std::vector<int32_t>{6, 7, 8}));
  EXPECT_EQ(f.pairs[0].reference.chosen_sum, -12.345678901234567);  // bit-exact round trip
  EXPECT_EQ(f.pairs[0].reference.rejected_sum, -20.25);
  EXPECT_EQ(f.pairs[1].reference.rejected_sum, -1e-300);
  EXPECT_EQ(f.pairs[0].reference.chosen_len, 2);
  EXPECT_DOUBLE_EQ(f.pairs[0].reference.rejected_mean(), -6.75);
}

TEST(ScoredPairs, PairWithoutReferenceLogpsIsAnErrorNamingFileAndLine) {
  auto dir = test::temp_dir("scored");
  const std::string good =
      R"({"prompt_ids":[1],"chosen_ids":[2],"rejected_ids":[3],"ref_chosen_logps_sum":-1.5,"ref_rejected_logps_sum":-2.5,"ref_chosen_len":1,"ref_rejected_len":1})";
  const std::string missing = R"({"prompt_ids":[1],"chosen_ids":[2],"rejected_ids":[3],"ref_chosen_len":1,"ref_rejected_len":1})";
  write_file_atomic(dir + "/a.jsonl", std::string(kHeader) + "\n" + good + "\n\n" + missing + "\n");
  expect_error(dir + "/a.jsonl", "a.jsonl:4: missing field 'ref_chosen_logps_sum'");

  const std::string null_logp =
      R"({"prompt_ids":[1],"chosen_ids":[2],"rejected_ids":[3],"ref_chosen_logps_sum":null,"ref_rejected_logps_sum":-2.5,"ref_chosen_len":1,"ref_rejected_len":1})";
  write_file_atomic(dir + "/b.jsonl", std::string(kHeader) + "\n" + null_logp + "\n");
  expect_error(dir + "/b.jsonl", "b.jsonl:2: field 'ref_chosen_logps_sum': expected a number");
}

TEST(ScoredPairs, InconsistentOrMalformedLinesAreErrors) {
  auto dir = test::temp_dir("scored");
  const std::string wrong_len =
      R"({"prompt_ids":[1],"chosen_ids":[2,3],"rejected_ids":[3],"ref_chosen_logps_sum":-1,"ref_rejected_logps_sum":-2,"ref_chosen_len":1,"ref_rejected_len":1})";
  write_file_atomic(dir + "/len.jsonl", std::string(kHeader) + "\n" + wrong_len + "\n");
  expect_error(dir + "/len.jsonl", "len.jsonl:2: field 'ref_chosen_len': expected the response's token count 2, found 1");

  const std::string negative =
      R"({"prompt_ids":[-4],"chosen_ids":[2],"rejected_ids":[3],"ref_chosen_logps_sum":-1,"ref_rejected_logps_sum":-2,"ref_chosen_len":1,"ref_rejected_len":1})";
  write_file_atomic(dir + "/neg.jsonl", std::string(kHeader) + "\n" + negative + "\n");
  expect_error(dir + "/neg.jsonl", "neg.jsonl:2: field 'prompt_ids[0]'");

  write_file_atomic(dir + "/nohdr.jsonl", wrong_len + "\n");
  expect_error(dir + "/nohdr.jsonl", "nohdr.jsonl:1: not a scored-pairs file");
  write_file_atomic(dir + "/v2.jsonl", R"({"lpo_scored_pairs":2,"tokenizer_fingerprint":"x","seq_length":8})" "\n");
  expect_error(dir + "/v2.jsonl", "v2.jsonl:1: field 'lpo_scored_pairs'");
  write_file_atomic(dir + "/empty.jsonl", "");
  expect_error(dir + "/empty.jsonl", "no header line");
  write_file_atomic(dir + "/bad.jsonl", std::string(kHeader) + "\n{oops\n");
  expect_error(dir + "/bad.jsonl", "bad.jsonl:2: invalid JSON");
}

TEST(ScoredPairs, WriterRefusesNonFiniteOrInconsistentNumbers) {
  auto dir = test::temp_dir("scored");
  ScoredPairsHeader header{"abc", 8, ""};
  EXPECT_THROW(write_scored_pairs(dir + "/x.jsonl", header, {make_pair(std::nan(""), -1)}), Error);
  auto p = make_pair(-1, -2);
  p.reference.chosen_len = 5;
  EXPECT_THROW(write_scored_pairs(dir + "/x.jsonl", header, {p}), Error);
  EXPECT_FALSE(std::filesystem::exists(dir + "/x.jsonl"));
}

}  // namespace
}  // namespace lpo
