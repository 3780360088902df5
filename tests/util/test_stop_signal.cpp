// The stop policy's scopes (util/stop_signal.hpp): a signal is remembered by every nested
// scope (an inner training never re-arms it), the outermost scope clears it, and Stopped
// carries the shell's exit status.
#include <csignal>

#include <gtest/gtest.h>

#include "util/stop_signal.hpp"

namespace lpo {
namespace {

TEST(StopSignal, NestedScopesKeepAStopAndTheOutermostClearsIt) {
  {
    StopSignal outer;
    EXPECT_FALSE(stop_requested());
    std::raise(SIGTERM);  // handled: the process goes on
    EXPECT_TRUE(stop_requested());
    EXPECT_EQ(stop_signal_number(), SIGTERM);
    {
      StopSignal inner;  // e.g. the training a pipeline step runs
      EXPECT_TRUE(inner.requested());
      EXPECT_THROW(throw_if_stopped("inner"), Stopped);
    }
    EXPECT_TRUE(stop_requested());
  }
  StopSignal next;  // a new outermost scope starts clean
  EXPECT_FALSE(stop_requested());
  EXPECT_NO_THROW(throw_if_stopped("next"));
}

TEST(StopSignal, StoppedNamesTheSignalThePlaceAndTheExitCode) {
  StopSignal scope;
  std::raise(SIGINT);
  try {
    throw_if_stopped("sample, after 3 prompts");
    FAIL() << "expected Stopped";
  } catch (const Stopped& e) {
    EXPECT_EQ(e.signal(), SIGINT);
    EXPECT_EQ(e.exit_code(), 130);
    const std::string what = e.what();
    EXPECT_NE(what.find("stopped by SIGINT (sample, after 3 prompts)"), std::string::npos) << what;
    EXPECT_NE(what.find("rerun"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace lpo
