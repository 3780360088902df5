// TensorBoard event files: the CRC-32C check value, and every record read back (framing,
// both masked CRCs, the Event and Summary fields) by an independent decoder written here.
#include <cstring>
#include <fstream>

#include "test_support.hpp"
#include "training/tensorboard.hpp"
#include "util/files.hpp"

namespace lpo::training {
namespace {

uint64_t read_varint(const std::string& s, size_t& at) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(s.at(at++));
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
}

uint32_t unmask(uint32_t m) {
  const uint32_t r = m - 0xa282ead8u;
  return (r >> 17) | (r << 15);
}

struct Scalar {
  int64_t step;
  std::string tag;
  float value;
};

// Decodes Summary.value entries of one Event.
void decode_event(const std::string& e, std::vector<Scalar>& out, std::string& version) {
  size_t at = 0;
  int64_t step = -1;
  while (at < e.size()) {
    const uint64_t key = read_varint(e, at);
    if (key == (1 << 3 | 1)) {
      at += 8;
    } else if (key == (2 << 3)) {
      step = static_cast<int64_t>(read_varint(e, at));
    } else if (key == (3 << 3 | 2) || key == (5 << 3 | 2)) {
      const size_t n = read_varint(e, at);
      const std::string body = e.substr(at, n);
      at += n;
      if (key == (3 << 3 | 2)) {
        version = body;
        continue;
      }
      for (size_t b = 0; b < body.size();) {
        EXPECT_EQ(read_varint(body, b), uint64_t{1 << 3 | 2});
        const size_t vn = read_varint(body, b);
        const std::string value = body.substr(b, vn);
        b += vn;
        size_t v = 0;
        EXPECT_EQ(read_varint(value, v), uint64_t{1 << 3 | 2});
        const size_t tn = read_varint(value, v);
        Scalar s{step, value.substr(v, tn), 0};
        v += tn;
        EXPECT_EQ(read_varint(value, v), uint64_t{2 << 3 | 5});
        std::memcpy(&s.value, value.data() + v, 4);
        out.push_back(s);
      }
    } else {
      ADD_FAILURE() << "unexpected field key " << key;
      return;
    }
  }
}

}  // namespace

TEST(TensorBoard, Crc32cCheckValue) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
}

TEST(TensorBoard, RecordsDecodeWithValidChecksums) {
  const std::string dir = test::temp_dir("tb");
  std::string path;
  {
    TensorBoardWriter w(dir);
    w.write(1, {{"loss", 2.5}, {"rewards/margins", -0.125}});
    w.write(2, {{"loss", 1.75}});
    path = w.path();
  }
  EXPECT_NE(path.find("/events.out.tfevents."), std::string::npos);
  const std::string bytes = read_file(path);
  std::vector<Scalar> scalars;
  std::string version;
  size_t at = 0, records = 0;
  while (at < bytes.size()) {
    uint64_t len;
    uint32_t len_crc, data_crc;
    std::memcpy(&len, bytes.data() + at, 8);
    std::memcpy(&len_crc, bytes.data() + at + 8, 4);
    EXPECT_EQ(unmask(len_crc), crc32c(bytes.data() + at, 8));
    const std::string event = bytes.substr(at + 12, len);
    std::memcpy(&data_crc, bytes.data() + at + 12 + len, 4);
    EXPECT_EQ(unmask(data_crc), crc32c(event.data(), event.size()));
    decode_event(event, scalars, version);
    at += 12 + len + 4;
    ++records;
  }
  EXPECT_EQ(at, bytes.size());
  EXPECT_EQ(records, 3u);
  EXPECT_EQ(version, "brain.Event:2");
  ASSERT_EQ(scalars.size(), 3u);
  EXPECT_EQ(scalars[0].step, 1);
  EXPECT_EQ(scalars[0].tag, "loss");
  EXPECT_EQ(scalars[0].value, 2.5f);
  EXPECT_EQ(scalars[1].tag, "rewards/margins");
  EXPECT_EQ(scalars[1].value, -0.125f);
  EXPECT_EQ(scalars[2].step, 2);
  EXPECT_EQ(scalars[2].value, 1.75f);
}

}  // namespace lpo::training
