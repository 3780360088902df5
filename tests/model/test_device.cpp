// --device names (model/runtime.hpp): what parses, and what this build and machine refuse.
#include <gtest/gtest.h>

#include "model/runtime.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

TEST(Device, ParsesNamesAndRefusesWhatIsNotHere) {
  EXPECT_EQ(parse_device("cpu"), c10::Device(c10::kCPU));
  if (!cuda_available()) {
    EXPECT_EQ(parse_device("auto"), c10::Device(c10::kCPU));
    EXPECT_THROW(parse_device("cuda"), Error);
    EXPECT_THROW(parse_device("cuda:1"), Error);
  } else {
    EXPECT_EQ(parse_device("auto"), c10::Device(c10::kCUDA, 0));
    EXPECT_EQ(parse_device("cuda", 0), c10::Device(c10::kCUDA, 0));
  }
  EXPECT_THROW(parse_device("gpu"), Error);
  EXPECT_THROW(parse_device("cuda:x"), Error);
  EXPECT_THROW(parse_device(""), Error);
}

}  // namespace
}  // namespace lpo
