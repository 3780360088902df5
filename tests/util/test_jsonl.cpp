#include <fstream>

#include "test_support.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/jsonl.hpp"

namespace lpo {

TEST(Jsonl, ReadsLinesWithNumbersAndSkipsBlankLines) {
  auto dir = test::temp_dir("jsonl");
  write_file_atomic(dir + "/a.jsonl", "{\"x\":1}\n\n{\"x\":2}\r\n");
  std::vector<std::pair<int, long>> seen;
  for_each_json_line(dir + "/a.jsonl", [&](const nlohmann::json& j, long line) {
    seen.emplace_back(j.at("x").get<int>(), line);
  });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(1, 1L));
  EXPECT_EQ(seen[1], std::make_pair(2, 3L));
}

TEST(Jsonl, BadLineErrorNamesFileAndLine) {
  auto dir = test::temp_dir("jsonl");
  write_file_atomic(dir + "/b.jsonl", "{\"x\":1}\n{oops\n");
  try {
    for_each_json_line(dir + "/b.jsonl", [](const nlohmann::json&, long) {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("b.jsonl:2: invalid JSON"), std::string::npos) << e.what();
  }
}

TEST(Jsonl, ReadsGzipOfRealData) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  long n = 0;
  for_each_json_line(test::shared_path("data/hh-rlhf/harmless-base-test.jsonl.gz"),
                     [&](const nlohmann::json& j, long) {
                       ASSERT_TRUE(j.contains("chosen"));
                       ++n;
                     });
  EXPECT_EQ(n, 2312);
}

TEST(Files, MissingFileErrorNamesPath) {
  EXPECT_THROW(read_file("/nonexistent/zzz.json"), Error);
}

}  // namespace lpo
