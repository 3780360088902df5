#include <algorithm>
#include <cmath>

#include "test_support.hpp"
#include "training/data_order.hpp"
#include "training/lr_schedule.hpp"

namespace lpo::training {

TEST(LrSchedule, LinearWarmupThenCosineToMinLr) {
  LrSchedule s{1e-3, 1e-4, 4, 14};
  EXPECT_DOUBLE_EQ(s.at(0), 2.5e-4);  // 1e-3 * 1/4
  EXPECT_DOUBLE_EQ(s.at(3), 1e-3);    // end of warmup: peak
  EXPECT_DOUBLE_EQ(s.at(4), 1e-3);    // p = 0
  // p = 5/10 = 0.5: min + (max-min) * 0.5 * (1 + cos(pi/2)) = 1e-4 + 9e-4 * 0.5
  EXPECT_NEAR(s.at(9), 5.5e-4, 1e-15);
  EXPECT_NEAR(s.at(14), 1e-4, 1e-15);  // end: floor
  EXPECT_NEAR(s.at(100), 1e-4, 1e-15); // clamped past the end
}

TEST(LrSchedule, NoWarmupStartsAtPeak) {
  LrSchedule s{2e-5, 0.0, 0, 10};
  EXPECT_DOUBLE_EQ(s.at(0), 2e-5);
  EXPECT_NEAR(s.at(5), 1e-5, 1e-18);
}

TEST(DataOrder, EachEpochIsAPermutationAndEpochsDiffer) {
  DataOrder order(10, 7);
  std::vector<int64_t> e0, e1;
  for (int i = 0; i < 10; ++i) e0.push_back(order.at(i));
  for (int i = 10; i < 20; ++i) e1.push_back(order.at(i));
  auto sorted0 = e0, sorted1 = e1;
  std::sort(sorted0.begin(), sorted0.end());
  std::sort(sorted1.begin(), sorted1.end());
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(sorted0[i], i);
    EXPECT_EQ(sorted1[i], i);
  }
  EXPECT_NE(e0, e1);
  // Random access gives the same answer as sequential access (what resume relies on).
  DataOrder again(10, 7);
  EXPECT_EQ(again.at(13), e1[3]);
  EXPECT_EQ(again.at(2), e0[2]);
}

TEST(DataOrder, NoShuffleKeepsFileOrder) {
  DataOrder order(3, 1, false);
  EXPECT_EQ(order.at(0), 0);
  EXPECT_EQ(order.at(4), 1);
}

}  // namespace lpo::training
