// safetensors reading/writing: round trips per dtype, sharded checkpoints, and malformed files.
#include <filesystem>
#include <fstream>

#include "io/hf_checkpoint.hpp"
#include "io/safetensors.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

// Writes a raw safetensors file: u64 header length, header text, data bytes.
void write_raw(const std::string& path, const std::string& header, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out << header << data;
}

// Expects an lpo::Error whose message contains every string in `parts`.
template <typename F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    FAIL() << "expected lpo::Error";
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(Safetensors, RoundTripEachDtype) {
  auto dir = test::temp_dir("st");
  at::Tensor base = at::arange(12, at::kFloat).view({3, 4}) * 0.25 - 1.0;  // exact in bf16/f16
  std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"f32", base}, {"bf16", base.to(at::kBFloat16)}, {"f16", base.to(at::kHalf)},
      {"i64", at::arange(5, at::kLong) - 2}, {"i32", at::arange(4, at::kInt)}, {"empty", at::zeros({0, 3})}};
  save_safetensors(dir + "/a.safetensors", tensors, {{"format", "pt"}});
  SafetensorsFile file(dir + "/a.safetensors");
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.names().size(), tensors.size());
  EXPECT_EQ(file.entry("bf16").dtype, "BF16");
  EXPECT_EQ(file.entry("f16").dtype, "F16");
  for (const auto& [name, t] : tensors) {
    at::Tensor back = file.tensor(name);
    EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(at::equal(back, t)) << name;
  }
  // Conversion on read: bf16 on disk -> f32 in memory, exact for these values.
  EXPECT_TRUE(at::equal(file.tensor("bf16", at::kFloat), base));
  EXPECT_EQ(file.tensor("f16", at::kFloat)[2][3].item<float>(), 1.75f);
}

TEST(Safetensors, ZeroCopyTensorIsWritableButFileIsNot) {
  auto dir = test::temp_dir("st");
  save_safetensors(dir + "/a.safetensors", {{"w", at::ones({4})}});
  {
    SafetensorsFile file(dir + "/a.safetensors");
    at::Tensor w = file.tensor("w");
    w.fill_(7.0);  // copy-on-write mapping: allowed, never reaches the file
    EXPECT_EQ(w.sum().item<float>(), 28.0f);
  }
  EXPECT_EQ(SafetensorsFile(dir + "/a.safetensors").tensor("w").sum().item<float>(), 4.0f);
}

TEST(Safetensors, TensorOutlivesFileObject) {
  auto dir = test::temp_dir("st");
  save_safetensors(dir + "/a.safetensors", {{"w", at::full({3}, 2.5)}});
  at::Tensor w = SafetensorsFile(dir + "/a.safetensors").tensor("w");
  EXPECT_EQ(w.sum().item<float>(), 7.5f);
}

TEST(Safetensors, ShardedCheckpointRoundTrip) {
  auto dir = test::temp_dir("ckpt");
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (int i = 0; i < 5; ++i) tensors.emplace_back("t" + std::to_string(i), at::full({10}, double(i)));
  save_checkpoint_tensors(dir, tensors, /*max_shard_bytes=*/80);  // 40 bytes each -> 3 shards
  EXPECT_TRUE(std::filesystem::exists(dir + "/model.safetensors.index.json"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/model-00003-of-00003.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/model.safetensors"));
  auto back = load_checkpoint_tensors(dir);
  ASSERT_EQ(back.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(back.at("t" + std::to_string(i)).sum().item<float>(), 10.0f * i);

  // Re-saving as one file removes the index and the shards.
  save_checkpoint_tensors(dir, tensors);
  EXPECT_FALSE(std::filesystem::exists(dir + "/model.safetensors.index.json"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/model-00001-of-00003.safetensors"));
  EXPECT_EQ(load_checkpoint_tensors(dir, at::kDouble).at("t4").sum().item<double>(), 40.0);
}

TEST(Safetensors, IndexNamingMissingTensorFails) {
  auto dir = test::temp_dir("ckpt");
  save_safetensors(dir + "/shard.safetensors", {{"a", at::ones({2})}});
  std::ofstream(dir + "/model.safetensors.index.json") << R"({"weight_map": {"a": "shard.safetensors", "b": "shard.safetensors"}})";
  expect_error([&] { load_checkpoint_tensors(dir); }, {"shard.safetensors", "'b'"});
}

TEST(Safetensors, EmptyDirectoryFails) {
  auto dir = test::temp_dir("none");
  expect_error([&] { load_checkpoint_tensors(dir); }, {dir, "model.safetensors"});
}

TEST(SafetensorsBadFile, TruncatedData) {
  auto dir = test::temp_dir("bad");
  std::string path = dir + "/t.safetensors";
  save_safetensors(path, {{"a", at::ones({4})}, {"b", at::ones({8})}});
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4);
  expect_error([&] { SafetensorsFile f(path); }, {path, "'b'", "truncated"});
}

TEST(SafetensorsBadFile, HeaderLengthPastEnd) {
  auto dir = test::temp_dir("bad");
  std::string path = dir + "/t.safetensors";
  write_raw(path, R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "abcd");
  std::filesystem::resize_file(path, 20);  // header now cut off
  expect_error([&] { SafetensorsFile f(path); }, {path, "header length"});
}

TEST(SafetensorsBadFile, TooShort) {
  auto dir = test::temp_dir("bad");
  std::ofstream(dir + "/t.safetensors") << "abc";
  expect_error([&] { SafetensorsFile f(dir + "/t.safetensors"); }, {"t.safetensors", "at least 8"});
}

TEST(SafetensorsBadFile, InvalidJson) {
  auto dir = test::temp_dir("bad");
  write_raw(dir + "/t.safetensors", R"({"a": {"dtype": )", "");
  expect_error([&] { SafetensorsFile f(dir + "/t.safetensors"); }, {"t.safetensors", "not valid JSON"});
}

TEST(SafetensorsBadFile, OffsetsPastDataSection) {
  auto dir = test::temp_dir("bad");
  write_raw(dir + "/t.safetensors", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", "12345678");
  expect_error([&] { SafetensorsFile f(dir + "/t.safetensors"); }, {"'w'", "past the end"});
}

TEST(SafetensorsBadFile, ByteCountDisagreesWithShape) {
  auto dir = test::temp_dir("bad");
  write_raw(dir + "/t.safetensors", R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678");
  expect_error([&] { SafetensorsFile f(dir + "/t.safetensors"); }, {"'w'", "8 bytes", "expected 12"});
}

TEST(SafetensorsBadFile, OverlappingTensors) {
  auto dir = test::temp_dir("bad");
  write_raw(dir + "/t.safetensors",
            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
            "12345678");
  expect_error([&] { SafetensorsFile f(dir + "/t.safetensors"); }, {"overlaps"});
}

TEST(SafetensorsBadFile, UnsupportedDtype) {
  auto dir = test::temp_dir("bad");
  write_raw(dir + "/t.safetensors", R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "1");
  expect_error([&] { SafetensorsFile f(dir + "/t.safetensors"); }, {"'w'", "F8_E4M3"});
}

}  // namespace
}  // namespace lpo
