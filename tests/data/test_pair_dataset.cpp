// The packed pair dataset: round trip, cross-file checks, and a resident set that stays near
// the limit while every pair of a dataset several times larger is read.
#include <fstream>

#include "data/pair_dataset.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

ScoredPair make_pair(int32_t seed, size_t prompt, size_t response) {
  ScoredPair p;
  for (size_t k = 0; k < prompt; ++k) p.tokens.prompt.push_back((seed * 7 + int32_t(k)) % 500);
  for (size_t k = 0; k < response; ++k) p.tokens.chosen.push_back((seed + int32_t(k) * 3) % 500);
  for (size_t k = 0; k < response + 1; ++k) p.tokens.rejected.push_back((seed * 11 + int32_t(k)) % 500);
  p.reference = {-1.5 * seed, -2.25 * seed - 1, int32_t(response), int32_t(response + 1)};
  return p;
}

std::string write(const std::string& prefix, const std::vector<ScoredPair>& pairs) {
  std::vector<const ScoredPair*> ptrs;
  for (const auto& p : pairs) ptrs.push_back(&p);
  write_pair_dataset(prefix, {"fp-123", 64, "ref-model"}, ptrs, {{"note", "test"}});
  return prefix;
}

}  // namespace

TEST(PairDataset, RoundTripsTokensAndReferenceNumbers) {
  std::vector<ScoredPair> pairs = {make_pair(1, 3, 2), make_pair(2, 5, 1), make_pair(3, 1, 4)};
  const std::string prefix = write(test::temp_dir("d") + "/ds", pairs);
  EXPECT_TRUE(is_pair_dataset(prefix + ".idx"));
  PairDataset ds(prefix + ".bin");  // any of the file names finds the prefix
  ASSERT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.info().header.tokenizer_fingerprint, "fp-123");
  EXPECT_EQ(ds.info().header.seq_length, 64);
  EXPECT_EQ(ds.info().token_dtype, "u16");
  EXPECT_EQ(ds.info().build.at("note"), "test");
  for (int64_t i = 0; i < 3; ++i) {
    ScoredPair got = ds.get(i);
    const ScoredPair& want = pairs[static_cast<size_t>(i)];
    EXPECT_EQ(got.tokens.prompt, want.tokens.prompt);
    EXPECT_EQ(got.tokens.chosen, want.tokens.chosen);
    EXPECT_EQ(got.tokens.rejected, want.tokens.rejected);
    EXPECT_EQ(got.reference.chosen_sum, want.reference.chosen_sum);
    EXPECT_EQ(got.reference.rejected_sum, want.reference.rejected_sum);
    EXPECT_EQ(got.reference.rejected_len, want.reference.rejected_len);
  }
  // max id over all three pairs' tokens
  int32_t max_id = 0;
  for (const auto& p : pairs)
    for (const auto* v : {&p.tokens.prompt, &p.tokens.chosen, &p.tokens.rejected})
      for (int32_t id : *v) max_id = std::max(max_id, id);
  EXPECT_EQ(ds.info().max_token_id, max_id);
  EXPECT_THROW(ds.get(3), Error);
}

TEST(PairDataset, FilesThatDisagreeAreRefused) {
  const std::string dir = test::temp_dir("d");
  std::string prefix = write(dir + "/ds", {make_pair(1, 3, 2), make_pair(2, 2, 2)});
  std::filesystem::resize_file(prefix + ".ref.bin", 48);
  try {
    PairDataset ds(prefix);
    FAIL() << "a short .ref.bin was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected 2 records"), std::string::npos) << e.what();
  }
  prefix = write(dir + "/ds2", {make_pair(1, 3, 2)});
  std::ofstream(prefix + ".lpo.json") << R"({"format":"lpo-pair-dataset","version":9})";
  EXPECT_THROW(PairDataset{prefix}, Error);
  std::ofstream(prefix + ".lpo.json") << "{not json";
  EXPECT_THROW(PairDataset{prefix}, Error);
}

TEST(PairDataset, ResidentMemoryStaysNearTheLimit) {
  // 3,000 pairs of ~600 tokens (u16): ~3.6 MB of tokens, read through with a 256 KB limit.
  std::vector<ScoredPair> pairs;
  for (int32_t i = 0; i < 3000; ++i) pairs.push_back(make_pair(i, 300, 150));
  const std::string prefix = write(test::temp_dir("big") + "/ds", pairs);
  pairs.clear();
  const size_t limit = 256 << 10;
  const auto bin_kb = static_cast<long>(std::filesystem::file_size(prefix + ".bin") >> 10);
  ASSERT_GT(bin_kb, 10 * static_cast<long>(limit >> 10));
  long peak_kb = 0;
  {
    PairDataset ds(prefix, limit);
    for (int64_t i = 0; i < ds.size(); ++i) {
      ds.get(i);
      if (i % 50 == 0) peak_kb = std::max(peak_kb, test::resident_kb_of(prefix + ".bin"));
    }
    peak_kb = std::max(peak_kb, test::resident_kb_of(prefix + ".bin"));
  }
  // the limit plus the windows around the last read (ResidencyBudget)
  EXPECT_LE(peak_kb, static_cast<long>(limit >> 10) + 256) << "of a " << bin_kb << " KB file";
  // The same reads without a limit keep the whole file resident: the measurement can fail.
  PairDataset unlimited(prefix, size_t{1} << 40);
  for (int64_t i = 0; i < unlimited.size(); ++i) unlimited.get(i);
  EXPECT_GT(test::resident_kb_of(prefix + ".bin"), bin_kb / 2);
}

}  // namespace lpo
