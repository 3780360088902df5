// TensorBoard event files (what the seed's Megatron runs write with --tensorboard-dir), so a
// run's metrics open in TensorBoard: `tensorboard --logdir DIR`.
//
// Format: a TFRecord file "events.out.tfevents.<unix seconds>.<host>"; each record is
//   u64 length | u32 masked CRC-32C of the length | Event protobuf | u32 masked CRC-32C of it
// (masked = rotate right 15 + 0xa282ead8). Event: wall_time (field 1, double), step (2,
// int64), file_version (3, "brain.Event:2", first record only), summary (5): Summary.value
// (1, repeated): tag (1, string), simple_value (2, float). Encoded by hand: a dozen bytes of
// protobuf do not justify a second protobuf runtime next to libtorch's.
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

namespace lpo::training {

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of `size` bytes; "123456789" gives
/// 0xE3069283.
uint32_t crc32c(const void* data, size_t size);

class TensorBoardWriter {
 public:
  /// Creates `dir` and a new event file in it. Throws lpo::Error when it cannot.
  explicit TensorBoardWriter(const std::string& dir);
  ~TensorBoardWriter();
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  /// One scalar per metric at `step` (tags are the metric names, e.g. "rewards/margins").
  void write(int64_t step, const std::map<std::string, double>& scalars);
  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& event);
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace lpo::training
