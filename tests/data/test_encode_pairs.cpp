#include <filesystem>

#include "data/encode_pairs.hpp"
#include "fake_tokenizer.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

using test::bytes;
using test::FakeTokenizer;

PreferencePair text_pair(const std::string& prompt, const std::string& chosen, const std::string& rejected) {
  PreferencePair p;
  p.prompt = prompt, p.chosen = chosen, p.rejected = rejected, p.source = "t.jsonl:1";
  return p;
}

std::vector<int32_t> with_eos(std::vector<int32_t> ids) {
  ids.push_back(FakeTokenizer::kEos);
  return ids;
}

TEST(EncodePairs, PromptAndResponsesAreTokenizedSeparately) {
  FakeTokenizer tok(/*merge_space_dollar=*/true);
  auto t = encode_pair(text_pair("Answer: ", "$46", "$47"), &tok, {});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->prompt, bytes("Answer: "));  // ends with the space (32), not the " $" merge
  EXPECT_EQ(t->chosen, with_eos(bytes("$46")));
  EXPECT_EQ(t->rejected, with_eos(bytes("$47")));
  // Encoding the concatenation would merge " $" and change the prompt's last id.
  auto joint = tok.encode("Answer: $46");
  EXPECT_EQ(joint[7], FakeTokenizer::kSpaceDollar);
  EXPECT_NE(std::vector<int32_t>(joint.begin(), joint.begin() + 8), t->prompt);
}

TEST(EncodePairs, EosIsAddedOnceAndCanBeTurnedOff) {
  FakeTokenizer tok;
  auto t = encode_pair(text_pair("Q:", " yes<eos>", " no"), &tok, {});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->chosen, with_eos(bytes(" yes")));  // already closed: not doubled
  EXPECT_EQ(t->rejected, with_eos(bytes(" no")));
  EncodeOptions no_eos;
  no_eos.add_eos = false;
  t = encode_pair(text_pair("Q:", " yes", " no"), &tok, no_eos);
  EXPECT_EQ(t->chosen, bytes(" yes"));
  EncodeOptions other_eos;
  other_eos.eos_id = FakeTokenizer::kImEnd;  // overrides the tokenizer's EOS
  t = encode_pair(text_pair("Q:", " yes", " no"), &tok, other_eos);
  EXPECT_EQ(t->chosen.back(), FakeTokenizer::kImEnd);
}

TEST(EncodePairs, TruncationCutsOldestPromptTokensAndKeepsWholeResponses) {
  FakeTokenizer tok;
  EncodeOptions opt;
  opt.seq_length = 12;
  EncodeReport report;
  // prompt 10 tokens, chosen 4+EOS = 5, rejected 2+EOS = 3: 10 + 5 > 12 -> keep 7 prompt tokens.
  auto t = encode_pair(text_pair("0123456789", "abcd", "xy"), &tok, opt, &report);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->prompt, bytes("3456789"));
  EXPECT_EQ(t->chosen, with_eos(bytes("abcd")));
  EXPECT_EQ(t->rejected, with_eos(bytes("xy")));
  EXPECT_EQ(t->prompt.size() + t->chosen.size(), 12u);
  EXPECT_EQ(report.pairs, 1);
  EXPECT_EQ(report.truncated_prompt, 1);
  EXPECT_EQ(report.truncated_response, 0);
  EXPECT_EQ(report.dropped, 0);
}

TEST(EncodePairs, ResponseLongerThanTheBoundIsCutFromTheRight) {
  FakeTokenizer tok;
  EncodeOptions opt;
  opt.seq_length = 6;
  EncodeReport report;
  auto t = encode_pair(text_pair("0123456789", "abcdefgh", "xy"), &tok, opt, &report);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->prompt, bytes("9"));       // never below min_prompt_tokens (1)
  EXPECT_EQ(t->chosen, bytes("abcde"));   // 9 ids cut to 5: the EOS goes too
  EXPECT_EQ(t->rejected, with_eos(bytes("xy")));
  EXPECT_EQ(report.truncated_prompt, 1);
  EXPECT_EQ(report.truncated_response, 1);

  opt.min_prompt_tokens = 3;  // a larger floor leaves less room for the response
  t = encode_pair(text_pair("0123456789", "abcdefgh", "xy"), &tok, opt);
  EXPECT_EQ(t->prompt, bytes("789"));
  EXPECT_EQ(t->chosen, bytes("abc"));
}

TEST(EncodePairs, TruncationNeverSplitsASpecialToken) {
  FakeTokenizer tok;
  EncodeOptions opt;
  opt.seq_length = 7;
  // prompt ids: a b c <|im_end|> x y z (7 ids for 16 characters); response "r" + EOS.
  auto t = encode_pair(text_pair("abc<|im_end|>xyz", "r", "s"), &tok, opt);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->prompt.size(), 5u);
  EXPECT_EQ(t->prompt[1], FakeTokenizer::kImEnd);
  EXPECT_EQ(tok.decode(t->prompt), "c<|im_end|>xyz");  // whole special token, not "|>xyz"
}

TEST(EncodePairs, EmptyPromptOrResponseIsDroppedAndCounted) {
  FakeTokenizer tok;
  EncodeReport report;
  std::vector<PreferencePair> pairs = {text_pair("", "a", "b"), text_pair("Q", "", "b"), text_pair("Q", "a", "b")};
  auto out = encode_pairs(pairs, tok, {}, &report);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].prompt, bytes("Q"));
  EXPECT_EQ(report.pairs, 3);
  EXPECT_EQ(report.dropped, 2);
  EXPECT_EQ(report.dropped_by_reason["empty_prompt"], 1);
  EXPECT_EQ(report.dropped_by_reason["empty_response"], 1);

  EncodeOptions opt;
  opt.seq_length = 3;
  opt.min_prompt_tokens = 3;  // no room left for any response token
  EncodeReport r2;
  EXPECT_FALSE(encode_pair(text_pair("0123", "a", "b"), &tok, opt, &r2));
  EXPECT_EQ(r2.dropped_by_reason["empty_response_after_truncation"], 1);
  EXPECT_EQ(describe(r2), "encoded 1 pairs: 0 prompts truncated, 0 with a response truncated, 1 dropped "
                          "(empty_response_after_truncation: 1)");
}

TEST(EncodePairs, PretokenizedPairsSkipTheTokenizer) {
  PreferencePair p;
  p.pretokenized = true;
  p.prompt_ids = {5, 6, 7};
  p.chosen_ids = {8};
  p.rejected_ids = {9, 10};
  p.source = "ids.jsonl:4";
  EncodeOptions opt;
  opt.eos_id = 1;
  auto t = encode_pair(p, nullptr, opt);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->prompt, (std::vector<int32_t>{5, 6, 7}));
  EXPECT_EQ(t->chosen, (std::vector<int32_t>{8, 1}));
  EXPECT_EQ(t->rejected, (std::vector<int32_t>{9, 10, 1}));
  // Without an EOS id and without a tokenizer, nothing is appended.
  t = encode_pair(p, nullptr, {});
  EXPECT_EQ(t->chosen, (std::vector<int32_t>{8}));
}

TEST(EncodePairs, InvalidIdsAndMissingTokenizerAreErrors) {
  PreferencePair p;
  p.pretokenized = true;
  p.prompt_ids = {5};
  p.chosen_ids = {-1};
  p.rejected_ids = {9};
  p.source = "ids.jsonl:4";
  try {
    encode_pair(p, nullptr, {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ids.jsonl:4: field 'chosen_ids[0]'"), std::string::npos) << e.what();
  }
  p.chosen_ids = {300};
  FakeTokenizer tok;
  EXPECT_THROW(encode_pair(p, &tok, {}), Error);  // 300 >= vocab 259
  EXPECT_THROW(encode_pair(text_pair("Q", "a", "b"), nullptr, {}), Error);
  EncodeOptions bad;
  bad.seq_length = 1;
  EXPECT_THROW(encode_pair(text_pair("Q", "a", "b"), &tok, bad), Error);
}

// The real GPT-2 tokenizer: " $" is one token, so "Answer: $46" encoded as a whole has a
// different last prompt token than "Answer: " encoded alone. Separate encoding keeps the
// prompt ids identical for chosen and rejected.
TEST(EncodePairs, Gpt2BoundaryMergeUsesSeparateEncoding) {
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  auto tok = load_tokenizer(test::shared_path("tokenizers/gpt2"));
  auto t = encode_pair(text_pair("Answer: ", "$46", "$47"), tok.get(), {});
  ASSERT_TRUE(t);
  const auto prompt_alone = tok->encode("Answer: ");
  EXPECT_EQ(prompt_alone, (std::vector<int32_t>{33706, 25, 220}));  // "Answer", ":", " "
  EXPECT_EQ(t->prompt, prompt_alone);
  EXPECT_EQ(t->chosen, (std::vector<int32_t>{3, 3510, 50256}));       // "$", "46", EOS
  auto chosen = tok->encode("$46");
  chosen.push_back(*tok->eos_id());
  EXPECT_EQ(t->chosen, chosen);
  EXPECT_EQ(t->chosen.back(), 50256);  // <|endoftext|>
  const auto joint = tok->encode("Answer: $46");
  EXPECT_EQ(joint, (std::vector<int32_t>{33706, 25, 720, 3510}));  // " $" merged
  ASSERT_GE(joint.size(), prompt_alone.size());
  EXPECT_NE(std::vector<int32_t>(joint.begin(), joint.begin() + prompt_alone.size()), prompt_alone)
      << "the joint encoding merges the prompt's trailing space into the response";
  EXPECT_EQ(tok->decode(t->prompt) + tok->decode({t->chosen.begin(), t->chosen.end() - 1}), "Answer: $46");
}

}  // namespace
}  // namespace lpo
