#include "data/pair_reader.hpp"
#include "test_support.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

using nlohmann::json;

std::string write_jsonl(const std::string& name, const std::string& content) {
  auto dir = test::temp_dir("pairs");
  write_file_atomic(dir + "/" + name, content);
  return dir + "/" + name;
}

/// Reads `path` expecting an lpo::Error whose message contains `needle`.
void expect_read_error(const std::string& path, const std::string& needle, const ReadOptions& options = {}) {
  try {
    read_pairs(path, options);
    FAIL() << "expected an error containing: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(PairFormats, EachShapeIsDetected) {
  EXPECT_EQ(detect_pair_format(json::parse(R"({"prompt":"p","chosen":"a","rejected":"b"})")),
            PairFormat::prompt_chosen_rejected);
  EXPECT_EQ(detect_pair_format(json::parse(R"({"prompt":"p","chosen":[],"rejected":[]})")), PairFormat::messages);
  EXPECT_EQ(detect_pair_format(json::parse(R"({"prompt":[],"chosen":"a","rejected":"b"})")), PairFormat::messages);
  EXPECT_EQ(detect_pair_format(json::parse(R"({"chosen":"a","rejected":"b"})")), PairFormat::hh_rlhf);
  EXPECT_EQ(detect_pair_format(json::parse(R"({"model_input":"p","better_context":"a","candidate_set":[]})")),
            PairFormat::candidates);
  EXPECT_EQ(detect_pair_format(json::parse(R"({"prompt_ids":[1],"chosen_ids":[2],"rejected_ids":[3]})")),
            PairFormat::ids);
  EXPECT_EQ(detect_pair_format(json::parse(R"({"question":"q"})")), std::nullopt);
  EXPECT_EQ(detect_pair_format(json::parse(R"([1,2])")), std::nullopt);
  for (auto f : {PairFormat::automatic, PairFormat::prompt_chosen_rejected, PairFormat::messages, PairFormat::hh_rlhf,
                 PairFormat::candidates, PairFormat::ids})
    EXPECT_EQ(parse_pair_format(pair_format_name(f)), f);
  EXPECT_THROW(parse_pair_format("dpo"), Error);
}

TEST(PairReader, MixedFileReadsEveryFormatPerLine) {
  auto path = write_jsonl("mixed.jsonl",
                          R"({"prompt":"Q: 1+1?\nA:","chosen":" 2","rejected":" 3"})" "\n"
                          R"({"chosen":"\n\nHuman: hi\n\nAssistant: hello","rejected":"\n\nHuman: hi\n\nAssistant: go away"})" "\n"
                          "\n"
                          R"({"model_input":"<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n","better_context":"A<|im_end|>","candidate_set":["B<|im_end|>",{"text":"C<|im_end|>"}]})" "\n"
                          R"({"prompt_ids":[1,2],"chosen_ids":[3],"rejected_ids":[4,5]})" "\n"
                          R"({"prompt":"Say hi","chosen":[{"role":"assistant","content":"hi"}],"rejected":[{"role":"assistant","content":"no"}]})" "\n");
  ReadReport report;
  auto pairs = read_pairs(path, {}, &report);
  ASSERT_EQ(pairs.size(), 6u);
  EXPECT_EQ(report.lines, 5);
  EXPECT_EQ(report.pairs, 6);
  EXPECT_EQ(report.skipped, 0);
  EXPECT_EQ(report.lines_by_format["candidates"], 1);
  EXPECT_EQ(report.lines_by_format["hh-rlhf"], 1);

  EXPECT_EQ(pairs[0].prompt, "Q: 1+1?\nA:");
  EXPECT_EQ(pairs[0].chosen, " 2");
  EXPECT_EQ(pairs[0].rejected, " 3");
  EXPECT_EQ(pairs[0].source, path + ":1");
  EXPECT_FALSE(pairs[0].pretokenized);

  EXPECT_EQ(pairs[1].prompt, "\n\nHuman: hi\n\nAssistant:");
  EXPECT_EQ(pairs[1].chosen, " hello");
  EXPECT_EQ(pairs[1].rejected, " go away");

  EXPECT_EQ(pairs[2].prompt, "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(pairs[2].chosen, "A<|im_end|>");
  EXPECT_EQ(pairs[2].rejected, "B<|im_end|>");
  EXPECT_EQ(pairs[3].chosen, "A<|im_end|>");
  EXPECT_EQ(pairs[3].rejected, "C<|im_end|>");
  EXPECT_EQ(pairs[3].source, path + ":4");  // blank line 3 still counts for numbering

  EXPECT_TRUE(pairs[4].pretokenized);
  EXPECT_EQ(pairs[4].prompt_ids, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(pairs[4].chosen_ids, (std::vector<int32_t>{3}));
  EXPECT_EQ(pairs[4].rejected_ids, (std::vector<int32_t>{4, 5}));

  EXPECT_EQ(pairs[5].prompt, "Say hi");  // plain: the contents only
  EXPECT_EQ(pairs[5].chosen, "hi");
}

TEST(PairReader, MessagesAreChatFormattedAndSharedPrefixStripped) {
  // chosen/rejected repeat the prompt's messages (a common export shape).
  auto path = write_jsonl(
      "msgs.jsonl",
      R"({"prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"}],)"
      R"("chosen":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}],)"
      R"("rejected":[{"role":"assistant","content":"5"}]})" "\n"
      // No prompt field: the shared messages before the last are the prompt.
      R"({"chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello<|im_end|>"}],)"
      R"("rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Go"}]})" "\n");
  ReadOptions options;
  options.chat = ChatFormat::chatml;
  auto pairs = read_pairs(path, options);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].prompt,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(pairs[0].chosen, "4<|im_end|>");
  EXPECT_EQ(pairs[0].rejected, "5<|im_end|>");
  EXPECT_EQ(pairs[1].prompt, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(pairs[1].chosen, "Hello<|im_end|>");  // suffix not doubled
  EXPECT_EQ(pairs[1].rejected, "Go<|im_end|>");
}

TEST(PairReader, MessagesThatDifferBeforeTheLastTurnOrEndWithUserAreErrors) {
  auto path = write_jsonl("diff.jsonl", R"({"chosen":[{"role":"user","content":"A"},{"role":"assistant","content":"x"}],)"
                                        R"("rejected":[{"role":"user","content":"B"},{"role":"assistant","content":"y"}]})" "\n");
  expect_read_error(path, "diff.jsonl:1: field 'rejected': chosen and rejected must differ only in their last");
  path = write_jsonl("role.jsonl", R"({"prompt":"q","chosen":[{"role":"user","content":"x"}],"rejected":[{"role":"assistant","content":"y"}]})" "\n");
  expect_read_error(path, "role.jsonl:1: field 'chosen': the last message must have role 'assistant'");
  path = write_jsonl("msg.jsonl", R"({"prompt":"q","chosen":[{"role":"assistant"}],"rejected":[{"role":"assistant","content":"y"}]})" "\n");
  expect_read_error(path, "msg.jsonl:1: field 'chosen[0].content': missing");
}

TEST(PairReader, HhTranscriptKeepsMultiTurnPromptAndLeadingSpace) {
  json line = {{"chosen", "\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: 2+2?\n\nAssistant: It is 4."},
               {"rejected", "\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: 2+2?\n\nAssistant: It is 5."}};
  auto pairs = pairs_from_json(line, PairFormat::hh_rlhf, ChatFormat::plain, "x:1");
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].prompt, "\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: 2+2?\n\nAssistant:");
  EXPECT_EQ(pairs[0].chosen, " It is 4.");
  EXPECT_EQ(pairs[0].rejected, " It is 5.");
  // Responses that share a first word: the prompt still stops at the "\n\nAssistant:".
  line = {{"chosen", "\n\nHuman: Q\n\nAssistant: I agree"}, {"rejected", "\n\nHuman: Q\n\nAssistant: I refuse"}};
  pairs = pairs_from_json(line, PairFormat::automatic, ChatFormat::plain, "x:2");
  EXPECT_EQ(pairs[0].prompt, "\n\nHuman: Q\n\nAssistant:");
  EXPECT_EQ(pairs[0].chosen, " I agree");

  line = {{"chosen", "\n\nHuman: A\n\nAssistant: x"}, {"rejected", "\n\nHuman: B\n\nAssistant: x"}};
  try {
    pairs_from_json(line, PairFormat::hh_rlhf, ChatFormat::plain, "x:3");
    FAIL();
  } catch (const BadPairError& e) {
    EXPECT_EQ(e.reason(), "no_shared_prompt");
    EXPECT_NE(std::string(e.what()).find("x:3: field 'rejected': chosen and rejected share no prefix"),
              std::string::npos) << e.what();
  }
  line = {{"chosen", "\n\nHuman: A\n\nAssistant: x"}, {"rejected", "\n\nHuman: A\n\nAssistant: x"}};
  try {
    pairs_from_json(line, PairFormat::hh_rlhf, ChatFormat::plain, "x:4");
    FAIL();
  } catch (const BadPairError& e) {
    EXPECT_EQ(e.reason(), "identical_responses");
  }
}

TEST(PairReader, MalformedLineMissingFieldWrongTypeAndEmptyResponseNameFileLineField) {
  expect_read_error(write_jsonl("a.jsonl", R"({"prompt":"p","chosen":"a","rejected":"b"})" "\n{oops\n"),
                    "a.jsonl:2: invalid JSON");
  expect_read_error(write_jsonl("b.jsonl", R"({"prompt":"p","chosen":"a"})" "\n"),
                    "b.jsonl:1: cannot tell the pair format");
  ReadOptions forced;
  forced.format = PairFormat::prompt_chosen_rejected;
  expect_read_error(write_jsonl("c.jsonl", R"({"prompt":"p","chosen":"a"})" "\n"), "c.jsonl:1: field 'rejected': missing",
                    forced);
  expect_read_error(write_jsonl("d.jsonl", R"({"prompt":"p","chosen":7,"rejected":"b"})" "\n"),
                    "d.jsonl:1: field 'chosen': expected a string, found number", forced);
  expect_read_error(write_jsonl("e.jsonl", "\n" R"({"prompt":"p","chosen":"  ","rejected":"b"})" "\n"),
                    "e.jsonl:2: field 'chosen': the response is empty");
  expect_read_error(write_jsonl("f.jsonl", R"({"prompt":"p","chosen":"a","rejected":""})" "\n"),
                    "f.jsonl:1: field 'rejected': the response is empty");
  expect_read_error(write_jsonl("g.jsonl", R"({"prompt_ids":[1],"chosen_ids":[2,-3],"rejected_ids":[4]})" "\n"),
                    "g.jsonl:1: field 'chosen_ids[1]': token id must be in [0, 2^31)");
  expect_read_error(write_jsonl("h.jsonl", R"({"prompt_ids":[1],"chosen_ids":[],"rejected_ids":[4]})" "\n"),
                    "h.jsonl:1: field 'chosen_ids': the response is empty");
  expect_read_error(write_jsonl("i.jsonl", R"({"model_input":"p","better_context":"","candidate_set":["x"]})" "\n"),
                    "i.jsonl:1: field 'better_context': the response is empty");
  expect_read_error(write_jsonl("j.jsonl", R"({"model_input":"p","better_context":"a","candidate_set":["x",""]})" "\n"),
                    "j.jsonl:1: field 'candidate_set[1]': the response is empty");
  expect_read_error(write_jsonl("k.jsonl", R"("just a string")" "\n"), "k.jsonl:1: expected a JSON object");
  forced.format = PairFormat::ids;
  expect_read_error(write_jsonl("l.jsonl", R"({"prompt":"p","chosen":"a","rejected":"b"})" "\n"),
                    "l.jsonl:1: field 'prompt_ids': missing", forced);
  EXPECT_THROW(read_pairs("/nonexistent/pairs.jsonl"), Error);
}

TEST(PairReader, SkipBadLinesCountsEachReason) {
  auto path = write_jsonl("skip.jsonl",
                          R"({"prompt":"p","chosen":"a","rejected":"b"})" "\n"    // ok
                          "{oops\n"                                                // invalid_json
                          R"({"prompt":"p","chosen":"","rejected":"b"})" "\n"     // empty_response
                          R"({"prompt":"p","chosen":"a","rejected":"a"})" "\n"    // identical_responses
                          R"({"prompt":"p","chosen":5,"rejected":"b"})" "\n"      // wrong_type
                          R"({"question":"q"})" "\n"                              // unknown_format
                          R"({"model_input":"p","better_context":"a","candidate_set":["a","b",7,"c"]})" "\n");
  ReadOptions options;
  options.skip_bad_lines = true;
  ReadReport report;
  auto pairs = read_pairs(path, options, &report);
  ASSERT_EQ(pairs.size(), 3u);  // line 1, and candidates "b" and "c" of line 7
  EXPECT_EQ(pairs[1].rejected, "b");
  EXPECT_EQ(pairs[2].rejected, "c");
  EXPECT_EQ(report.lines, 7);
  EXPECT_EQ(report.pairs, 3);
  EXPECT_EQ(report.skipped, 7);  // 5 lines + 2 candidates
  EXPECT_EQ(report.skipped_by_reason["invalid_json"], 1);
  EXPECT_EQ(report.skipped_by_reason["empty_response"], 1);
  EXPECT_EQ(report.skipped_by_reason["identical_responses"], 2);  // line 4 and candidate "a"
  EXPECT_EQ(report.skipped_by_reason["wrong_type"], 2);           // line 5 and candidate 7
  EXPECT_EQ(report.skipped_by_reason["unknown_format"], 1);
  EXPECT_EQ(describe(report),
            "read 7 lines -> 3 pairs, 7 skipped (empty_response: 1, identical_responses: 2, invalid_json: 1, "
            "unknown_format: 1, wrong_type: 2)");
}

// The real Anthropic HH-RLHF harmless-base test split (2,312 transcripts). Measured on this
// file: no line has identical chosen/rejected, none lacks a shared "\n\nAssistant:" prefix,
// 4 have a whitespace-only chosen response (" ", e.g. line 87) and are rejected by default /
// skipped and counted with skip_bad_lines; 5 chosen responses run on into another
// "\n\nAssistant:" turn (the transcripts diverge in the last turn) and are kept as read.
TEST(PairReader, RealHhRlhfHarmlessBaseTest) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const std::string path = test::shared_path("data/hh-rlhf/harmless-base-test.jsonl.gz");
  expect_read_error(path, "harmless-base-test.jsonl.gz:87: field 'chosen': the response is empty");

  ReadOptions options;
  options.skip_bad_lines = true;
  ReadReport report;
  auto pairs = read_pairs(path, options, &report);
  EXPECT_EQ(report.lines, 2312);
  EXPECT_EQ(report.lines_by_format["hh-rlhf"], 2312);
  EXPECT_EQ(report.skipped, 4);
  EXPECT_EQ(report.skipped_by_reason["empty_response"], 4);
  EXPECT_EQ(report.skipped_by_reason.count("identical_responses"), 0u);
  EXPECT_EQ(report.skipped_by_reason.count("no_shared_prompt"), 0u);
  ASSERT_EQ(pairs.size(), 2308u);
  EXPECT_EQ(report.pairs, 2308);
  const std::string marker = "\n\nAssistant:";
  long run_on = 0;
  for (const auto& p : pairs) {
    ASSERT_GE(p.prompt.size(), marker.size());
    ASSERT_EQ(p.prompt.compare(p.prompt.size() - marker.size(), marker.size(), marker), 0) << p.source;
    ASSERT_EQ(p.prompt.rfind("\n\nHuman:", 0), 0u) << p.source;
    ASSERT_NE(p.chosen.rfind(marker, 0), 0u) << p.source;
    ASSERT_NE(p.rejected.rfind(marker, 0), 0u) << p.source;
    ASSERT_EQ(p.chosen[0], ' ') << p.source;  // the leading space stays in the response
    ASSERT_EQ(p.rejected[0], ' ') << p.source;
    ASSERT_NE(p.chosen, p.rejected) << p.source;
    run_on += p.chosen.find(marker) != std::string::npos || p.rejected.find(marker) != std::string::npos;
  }
  EXPECT_EQ(run_on, 5);
  EXPECT_EQ(pairs[0].source, path + ":1");
}

}  // namespace
}  // namespace lpo
