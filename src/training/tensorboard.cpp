#include "training/tensorboard.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "util/error.hpp"

namespace lpo::training {
namespace {

const std::array<uint32_t, 256>& crc_table() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

uint32_t masked_crc(const void* data, size_t size) {
  const uint32_t c = crc32c(data, size);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

// Protobuf wire format: key = field << 3 | wire type; varints little-endian base 128.
void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

template <typename T>
void fixed(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void bytes_field(std::string& out, int field, const std::string& bytes) {
  varint(out, static_cast<uint64_t>(field) << 3 | 2);
  varint(out, bytes.size());
  out += bytes;
}

std::string event(int64_t step, const std::string* file_version, const std::string* summary) {
  std::string e;
  varint(e, 1 << 3 | 1);  // wall_time, 64-bit
  fixed(e, std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  varint(e, 2 << 3 | 0);  // step, varint
  varint(e, static_cast<uint64_t>(step));
  if (file_version) bytes_field(e, 3, *file_version);
  if (summary) bytes_field(e, 5, *summary);
  return e;
}

std::string host_name() {
  char buf[256] = {0};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? buf : "localhost";
}

}  // namespace

uint32_t crc32c(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = crc_table()[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

TensorBoardWriter::TensorBoardWriter(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  path_ = dir + "/events.out.tfevents." + std::to_string(now) + "." + host_name();
  file_ = std::fopen(path_.c_str(), "ab");
  check(file_ != nullptr, "cannot create TensorBoard event file ", path_, ": ", std::strerror(errno));
  const std::string version = "brain.Event:2";
  write_record(event(0, &version, nullptr));
}

TensorBoardWriter::~TensorBoardWriter() {
  if (file_) std::fclose(file_);
}

void TensorBoardWriter::write(int64_t step, const std::map<std::string, double>& scalars) {
  std::string summary;
  for (const auto& [tag, value] : scalars) {
    std::string v;
    bytes_field(v, 1, tag);
    varint(v, 2 << 3 | 5);  // simple_value, 32-bit
    fixed(v, static_cast<float>(value));
    bytes_field(summary, 1, v);
  }
  write_record(event(step, nullptr, &summary));
}

void TensorBoardWriter::write_record(const std::string& e) {
  std::string record;
  fixed(record, static_cast<uint64_t>(e.size()));
  fixed(record, masked_crc(record.data(), 8));
  record += e;
  fixed(record, masked_crc(e.data(), e.size()));
  check(std::fwrite(record.data(), 1, record.size(), file_) == record.size() && std::fflush(file_) == 0,
        "cannot write ", path_, ": ", std::strerror(errno));
}

}  // namespace lpo::training
