// build-dataset's filters and shuffle, and the shard split/join that makes sharded scoring
// equal to an unsharded run.
#include <set>

#include "data/pair_dataset.hpp"
#include "pipeline/build_dataset.hpp"
#include "pipeline/shards.hpp"
#include "test_support.hpp"

namespace lpo::pipeline {
namespace {

// Pair i: prompt of i+1 tokens, responses of 2 tokens; reference means chosen/rejected set
// so the gap chosen − rejected is `gap` nats per token.
ScoredPair pair_with_gap(int32_t i, double gap) {
  ScoredPair p;
  p.tokens.prompt.assign(static_cast<size_t>(i + 1), i);
  p.tokens.chosen = {1, 2};
  p.tokens.rejected = {3, 4};
  p.reference = {2 * (-1.0 + gap), 2 * -1.0, 2, 2};
  return p;
}

std::string scored_file(const std::string& path, const std::vector<ScoredPair>& pairs, int seq_length = 16) {
  write_scored_pairs(path, {"fp", seq_length, "m"}, pairs);
  return path;
}

}  // namespace

TEST(BuildDataset, DropsWideReferenceGapsAndOverLengthPairs) {
  const std::string dir = test::temp_dir("b");
  // gaps: 0, 1.9, 2.0 (kept: not above), 2.5 (dropped), -3 (kept)
  std::vector<ScoredPair> pairs = {pair_with_gap(0, 0), pair_with_gap(1, 1.9), pair_with_gap(2, 2.0),
                                   pair_with_gap(3, 2.5), pair_with_gap(4, -3)};
  const std::string in = scored_file(dir + "/s.jsonl", pairs);
  BuildOptions o;
  o.shuffle = false;
  o.seq_length = 6;  // prompt i+1 plus 2: pair 4 (7 tokens) is over
  BuildReport r = build_dataset({in}, dir + "/ds", o);
  EXPECT_EQ(r.pairs_in, 5);
  EXPECT_EQ(r.dropped_ref_gap, 1);
  EXPECT_EQ(r.dropped_too_long, 1);
  EXPECT_EQ(r.pairs_out, 3);
  PairDataset ds(dir + "/ds");
  ASSERT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.info().header.seq_length, 6);
  EXPECT_EQ(ds.info().build.at("dropped_ref_gap"), 1);
  for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(ds.get(k).tokens.prompt.size(), static_cast<size_t>(k + 1));
  o.max_ref_gap = std::numeric_limits<double>::infinity();
  o.seq_length = 0;
  EXPECT_EQ(build_dataset({in}, dir + "/all", o).pairs_out, 5);
  o.seq_length = 17;
  EXPECT_THROW(build_dataset({in}, dir + "/x", o), Error);  // above the data's seq_length
}

TEST(BuildDataset, ShuffleIsASeededPermutation) {
  const std::string dir = test::temp_dir("b");
  std::vector<ScoredPair> pairs;
  for (int32_t i = 0; i < 40; ++i) pairs.push_back(pair_with_gap(i, 0));
  const std::string in = scored_file(dir + "/s.jsonl", pairs, 64);
  auto order = [&](uint64_t seed, const std::string& name) {
    BuildOptions o;
    o.seed = seed;
    build_dataset({in}, dir + "/" + name, o);
    PairDataset ds(dir + "/" + name);
    std::vector<int32_t> firsts;
    for (int64_t k = 0; k < ds.size(); ++k) firsts.push_back(ds.get(k).tokens.prompt[0]);
    return firsts;
  };
  auto a = order(7, "a"), b = order(7, "b"), c = order(8, "c");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<int32_t>(a.begin(), a.end()).size(), 40u);
  std::vector<int32_t> identity(40);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_NE(a, identity);
}

TEST(Shards, RangesAreWholeBatchesThatTileTheInput) {
  // 50 items in batches of 8 = 7 batches over 3 shards: 2, 2, 3 batches.
  EXPECT_EQ(shard_range(50, 8, 0, 3).begin, 0);
  EXPECT_EQ(shard_range(50, 8, 0, 3).end, 16);
  EXPECT_EQ(shard_range(50, 8, 1, 3).end, 32);
  EXPECT_EQ(shard_range(50, 8, 2, 3).end, 50);
  for (int n : {1, 2, 5, 9}) {
    int64_t at = 0;
    for (int i = 0; i < n; ++i) {
      auto r = shard_range(37, 4, i, n);
      EXPECT_EQ(r.begin, at);
      EXPECT_TRUE(r.begin % 4 == 0 || r.begin == 37);
      at = r.end;
    }
    EXPECT_EQ(at, 37);
  }
  EXPECT_THROW(shard_range(10, 1, 3, 3), Error);
}

TEST(Shards, JoinRestoresOrderAndRefusesIncompleteSets) {
  const std::string dir = test::temp_dir("j");
  std::vector<ScoredPair> all;
  for (int32_t i = 0; i < 10; ++i) all.push_back(pair_with_gap(i, 0));
  std::vector<std::string> paths;
  for (int s = 0; s < 3; ++s) {
    auto r = shard_range(10, 2, s, 3);
    ScoredPairsHeader h{"fp", 16, "m", s, 3, r.begin, r.end, 10};
    paths.push_back(dir + "/s" + std::to_string(s) + ".jsonl");
    write_scored_pairs(paths.back(), h, std::vector<ScoredPair>(all.begin() + r.begin, all.begin() + r.end));
  }
  ScoredPairsFile joined = join_scored_pairs({paths[2], paths[0], paths[1]});
  ASSERT_EQ(joined.pairs.size(), 10u);
  for (int32_t i = 0; i < 10; ++i) EXPECT_EQ(joined.pairs[static_cast<size_t>(i)].tokens.prompt[0], i);
  EXPECT_EQ(joined.header.shard_count, 1);
  EXPECT_THROW(join_scored_pairs({paths[0], paths[1]}), Error);            // shard 2 missing
  EXPECT_THROW(join_scored_pairs({paths[0], paths[1], paths[1]}), Error);  // given twice
  // a shard cut short (a killed run's partial output would never be renamed, but a hand-made one)
  write_scored_pairs(paths[1], {"fp", 16, "m", 1, 3, 4, 6, 10}, {all[4]});
  EXPECT_THROW(join_scored_pairs(paths), Error);
}

TEST(Shards, InterleaveChecksShardSizes) {
  std::vector<std::vector<int>> shards = {{0, 3, 6}, {1, 4}, {2, 5}};
  EXPECT_EQ(interleave_shards(shards, {"a", "b", "c"}), (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));
  std::vector<std::vector<int>> bad = {{0, 3}, {1, 4, 7}, {2, 5}};
  EXPECT_THROW(interleave_shards(bad, {"a", "b", "c"}), Error);
}

}  // namespace lpo::pipeline
