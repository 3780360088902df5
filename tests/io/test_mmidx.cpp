// MMIDIDX container: the exact bytes Megatron's index reader expects, round trips, and
// a clear error for each kind of damaged index.
#include <cstring>
#include <fstream>

#include "io/mmidx.hpp"
#include "test_support.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo::io {
namespace {

std::string write_sample(const std::string& dir, TokenDtype dtype) {
  MmidxWriter w(dir + "/d", dtype);
  w.add_sequence({5, 6, 7});
  w.add_sequence({});
  w.end_document();
  w.add_sequence({65535});
  w.end_document();
  w.commit();
  return dir + "/d";
}

template <typename T>
T at(const std::string& bytes, size_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

void patch(const std::string& path, size_t offset, const void* data, size_t n) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}

std::string error_of(const std::string& prefix) {
  try {
    MmidxReader r(prefix);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Mmidx, IndexBytesFollowMegatronLayout) {
  const std::string prefix = write_sample(test::temp_dir("m"), TokenDtype::u16);
  const std::string idx = read_file(prefix + ".idx");
  // header 34 + sizes 3*4 + pointers 3*8 + document index 3*8 = 94 bytes
  ASSERT_EQ(idx.size(), 94u);
  EXPECT_EQ(idx.substr(0, 9), std::string("MMIDIDX\0\0", 9));
  EXPECT_EQ(at<uint64_t>(idx, 9), 1u);   // version
  EXPECT_EQ(uint8_t(idx[17]), 8);        // u16 code
  EXPECT_EQ(at<uint64_t>(idx, 18), 3u);  // sequences
  EXPECT_EQ(at<uint64_t>(idx, 26), 3u);  // document index entries: 0, 2, 3
  EXPECT_EQ(at<int32_t>(idx, 34), 3);
  EXPECT_EQ(at<int32_t>(idx, 38), 0);
  EXPECT_EQ(at<int32_t>(idx, 42), 1);
  EXPECT_EQ(at<int64_t>(idx, 46), 0);   // pointers in bytes: 0, 6, 6
  EXPECT_EQ(at<int64_t>(idx, 54), 6);
  EXPECT_EQ(at<int64_t>(idx, 62), 6);
  EXPECT_EQ(at<int64_t>(idx, 70), 0);
  EXPECT_EQ(at<int64_t>(idx, 78), 2);
  EXPECT_EQ(at<int64_t>(idx, 86), 3);
  const std::string bin = read_file(prefix + ".bin");
  EXPECT_EQ(bin, std::string("\x05\x00\x06\x00\x07\x00\xff\xff", 8));
}

TEST(Mmidx, RoundTripsBothWidths) {
  for (TokenDtype dtype : {TokenDtype::u16, TokenDtype::i32}) {
    const std::string prefix = write_sample(test::temp_dir(token_dtype_name(dtype)), dtype);
    MmidxReader r(prefix);
    EXPECT_EQ(r.num_sequences(), 3);
    EXPECT_EQ(r.num_documents(), 2);
    EXPECT_EQ(r.document_start(1), 2);
    std::vector<int32_t> ids;
    r.read_sequence(0, ids);
    EXPECT_EQ(ids, (std::vector<int32_t>{5, 6, 7}));
    r.read_sequence(1, ids);
    EXPECT_TRUE(ids.empty());
    r.read_sequence(2, ids);
    EXPECT_EQ(ids, (std::vector<int32_t>{65535}));
    EXPECT_THROW(r.read_sequence(3, ids), Error);
  }
}

TEST(Mmidx, DtypeFitsLargestId) {
  EXPECT_EQ(token_dtype_for(50256), TokenDtype::u16);
  EXPECT_EQ(token_dtype_for(151935), TokenDtype::i32);
  MmidxWriter w(test::temp_dir("w") + "/d", TokenDtype::u16);
  EXPECT_THROW(w.add_sequence({70000}), Error);
}

TEST(Mmidx, DamagedIndexIsAClearError) {
  const std::string dir = test::temp_dir("bad");
  auto fresh = [&] { return write_sample(dir, TokenDtype::u16); };
  std::string p = fresh();
  patch(p + ".idx", 0, "XXIDIDX", 7);
  EXPECT_NE(error_of(p).find("magic"), std::string::npos) << error_of(p);
  p = fresh();
  const uint64_t v2 = 2;
  patch(p + ".idx", 9, &v2, 8);
  EXPECT_NE(error_of(p).find("'version'"), std::string::npos) << error_of(p);
  p = fresh();
  const uint8_t f32 = 7;
  patch(p + ".idx", 17, &f32, 1);
  EXPECT_NE(error_of(p).find("'dtype'"), std::string::npos) << error_of(p);
  p = fresh();
  const uint64_t huge = uint64_t{1} << 61;  // would overflow 12*S; must be caught by the size check
  patch(p + ".idx", 18, &huge, 8);
  EXPECT_NE(error_of(p).find("sequence count"), std::string::npos) << error_of(p);
  p = fresh();
  const int64_t far = 1000;
  patch(p + ".idx", 54, &far, 8);
  EXPECT_NE(error_of(p).find("runs past the end"), std::string::npos) << error_of(p);
  p = fresh();
  const int32_t negative = -4;
  patch(p + ".idx", 38, &negative, 4);
  EXPECT_NE(error_of(p).find("negative"), std::string::npos) << error_of(p);
  p = fresh();
  const int64_t backwards = 3;
  patch(p + ".idx", 78, &backwards, 8);
  const int64_t zero = 0;
  patch(p + ".idx", 86, &zero, 8);
  EXPECT_NE(error_of(p).find("document_index"), std::string::npos) << error_of(p);
  p = fresh();
  std::filesystem::resize_file(p + ".idx", 40);
  EXPECT_NE(error_of(p).find("need"), std::string::npos) << error_of(p);
  std::filesystem::resize_file(p + ".idx", 10);
  EXPECT_NE(error_of(p).find("shorter than"), std::string::npos) << error_of(p);
  std::filesystem::remove(p + ".bin");
  EXPECT_NE(error_of(p).find("cannot open"), std::string::npos) << error_of(p);
}

}  // namespace lpo::io
