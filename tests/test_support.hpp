// Helpers every test may use: where ../shared is, skipping when it is absent.
#pragma once
#include <gtest/gtest.h>

#include "util/error.hpp"

#include <cstdlib>
#include <cctype>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <string>

namespace lpo::test {

/// Absolute path of a file under ../shared (the project's data and golden files).
inline std::string shared_path(const std::string& rel) { return std::string(LPO_SHARED_DIR) + "/" + rel; }

/// The lpo binary built alongside the tests (env LPO_BIN from ctest, else the build dir).
inline std::string lpo_bin() {
  const char* env = std::getenv("LPO_BIN");
  return env ? env : std::string(LPO_BINARY_DIR) + "/lpo";
}

/// A fresh empty directory under the system temp dir, unique per test and per build tree (two
/// checkouts testing at once must not share one).
inline std::string temp_dir(const std::string& name) {
  auto info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string tree = std::to_string(std::hash<std::string>{}(LPO_BINARY_DIR) % 1000000);
  auto dir = std::filesystem::temp_directory_path() / ("lpo-tests-" + tree) /
             (std::string(info->test_suite_name()) + "." + info->name() + "." + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// Resident kilobytes of this process's mappings of the file `path` ("Rss" in /proc/self/smaps,
/// summed over every mapping of it: a file may be mapped twice, or a mapping split; 0 when it
/// is not mapped).
inline long resident_kb_of(const std::string& path) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  long total = 0;
  while (std::getline(smaps, line)) {
    if (line.find('-') < line.find(' ') && line.find(' ') != std::string::npos &&
        isxdigit(static_cast<unsigned char>(line[0]))) {
      inside = line.size() >= path.size() && line.compare(line.size() - path.size(), path.size(), path) == 0;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      long kb = 0;
      std::istringstream(line.substr(4)) >> kb;
      total += kb;
      inside = false;
    }
  }
  return total;
}

/// The message of the lpo::Error `f` throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace lpo::test

/// Skip the current test when a file from ../shared is not there (a user's clone has no ../shared);
/// with LPO_SHARED_REQUIRED set (CI, .ci/run) fail it instead.
#define LPO_REQUIRE_SHARED(rel)                                                                  \
  do {                                                                                           \
    if (!std::filesystem::exists(::lpo::test::shared_path(rel))) {                               \
      if (std::getenv("LPO_SHARED_REQUIRED")) FAIL() << "needs ../shared/" << (rel) << " (not present)"; \
      GTEST_SKIP() << "needs ../shared/" << (rel) << " (not present)";                           \
    }                                                                                            \
  } while (0)

/// Skip the current test in AddressSanitizer builds when it needs SentencePiece in a process that
/// also holds libtorch: ASan cannot run a library opened with RTLD_DEEPBIND, the isolation that
/// keeps libsentencepiece's protobuf apart from libtorch's (src/tokenizer/spm_loader.cpp), so
/// there the two clash. The normal build runs these tests.
#if defined(__SANITIZE_ADDRESS__)
#define LPO_SKIP_SPM_BESIDE_TORCH_UNDER_ASAN() \
  GTEST_SKIP() << "AddressSanitizer build: SentencePiece cannot be isolated from libtorch's protobuf"
#else
#define LPO_SKIP_SPM_BESIDE_TORCH_UNDER_ASAN() \
  do {                                         \
  } while (0)
#endif
