#include "io/mmidx.hpp"

#include <cstring>
#include <limits>
#include <type_traits>

#include "util/error.hpp"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "MMIDIDX files are little-endian");

namespace lpo::io {
namespace {

constexpr char kMagic[9] = {'M', 'M', 'I', 'D', 'I', 'D', 'X', '\0', '\0'};
constexpr size_t kHeaderBytes = 9 + 8 + 1 + 8 + 8;

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void append(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

bool known_dtype(uint8_t code) {
  return code == 1 || code == 2 || code == 3 || code == 4 || code == 5 || code == 8;
}

template <typename T>
void widen(const uint8_t* src, size_t n, std::vector<int32_t>& out, const std::string& path, int64_t seq) {
  for (size_t k = 0; k < n; ++k) {
    const T v = load<T>(src + k * sizeof(T));
    if constexpr (std::is_signed_v<T>)
      check(v >= 0 && static_cast<int64_t>(v) <= std::numeric_limits<int32_t>::max(), path, ": sequence ", seq,
            " holds token id ", static_cast<int64_t>(v), ", not a token id (0..2^31-1)");
    out[k] = static_cast<int32_t>(v);
  }
}

}  // namespace

TokenDtype token_dtype_for(int64_t max_id) { return max_id < 65500 ? TokenDtype::u16 : TokenDtype::i32; }

size_t token_bytes(TokenDtype dtype) {
  switch (dtype) {
    case TokenDtype::u8: case TokenDtype::i8: return 1;
    case TokenDtype::i16: case TokenDtype::u16: return 2;
    case TokenDtype::i32: return 4;
    case TokenDtype::i64: return 8;
  }
  return 0;
}

const char* token_dtype_name(TokenDtype dtype) {
  switch (dtype) {
    case TokenDtype::u8: return "u8";
    case TokenDtype::i8: return "i8";
    case TokenDtype::i16: return "i16";
    case TokenDtype::u16: return "u16";
    case TokenDtype::i32: return "i32";
    case TokenDtype::i64: return "i64";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
MmidxWriter::MmidxWriter(const std::string& prefix, TokenDtype dtype)
    : dtype_(dtype), bin_(prefix + ".bin"), idx_(prefix + ".idx") {
  check(dtype == TokenDtype::u16 || dtype == TokenDtype::i32, "MmidxWriter writes u16 or i32 tokens");
}

void MmidxWriter::add_sequence(const std::vector<int32_t>& ids) {
  const int64_t limit = dtype_ == TokenDtype::u16 ? 65535 : std::numeric_limits<int32_t>::max();
  buffer_.resize(ids.size() * token_bytes(dtype_));
  for (size_t k = 0; k < ids.size(); ++k) {
    check(ids[k] >= 0 && ids[k] <= limit, "sequence ", sizes_.size(), ": token id ", ids[k], " does not fit ",
          token_dtype_name(dtype_));
    if (dtype_ == TokenDtype::u16) {
      const uint16_t v = static_cast<uint16_t>(ids[k]);
      std::memcpy(&buffer_[k * 2], &v, 2);
    } else {
      std::memcpy(&buffer_[k * 4], &ids[k], 4);
    }
  }
  bin_.write(buffer_.data(), buffer_.size());
  sizes_.push_back(static_cast<int32_t>(ids.size()));
}

void MmidxWriter::end_document() { document_index_.push_back(static_cast<int64_t>(sizes_.size())); }

void MmidxWriter::commit() {
  if (document_index_.back() != static_cast<int64_t>(sizes_.size())) end_document();
  std::string head(kMagic, sizeof(kMagic));
  append(head, uint64_t{1});
  append(head, static_cast<uint8_t>(dtype_));
  append(head, static_cast<uint64_t>(sizes_.size()));
  append(head, static_cast<uint64_t>(document_index_.size()));
  idx_.write(head.data(), head.size());
  idx_.write(sizes_.data(), sizes_.size() * sizeof(int32_t));
  std::vector<int64_t> pointers(sizes_.size());
  int64_t offset = 0;
  for (size_t i = 0; i < sizes_.size(); ++i) {
    pointers[i] = offset;
    offset += static_cast<int64_t>(sizes_[i]) * static_cast<int64_t>(token_bytes(dtype_));
  }
  idx_.write(pointers.data(), pointers.size() * sizeof(int64_t));
  idx_.write(document_index_.data(), document_index_.size() * sizeof(int64_t));
  bin_.commit();
  idx_.commit();
}

// ---------------------------------------------------------------------------------------------
MmidxReader::MmidxReader(const std::string& prefix)
    : prefix_(prefix), idx_(prefix + ".idx"), bin_(prefix + ".bin") {
  validate();
  release();  // validation touched the whole index; start with nothing resident
}

void MmidxReader::validate() {
  const std::string& path = idx_.path();
  const uint8_t* p = idx_.data();
  check(idx_.size() >= kHeaderBytes, path, ": ", idx_.size(), " bytes, shorter than the ", kHeaderBytes,
        "-byte MMIDIDX header");
  check(std::memcmp(p, kMagic, sizeof(kMagic)) == 0, path, ": not an MMIDIDX index (magic bytes differ)");
  const uint64_t version = load<uint64_t>(p + 9);
  check(version == 1, path, ": field 'version' is ", version, ", only version 1 is supported");
  const uint8_t code = p[17];
  check(known_dtype(code), path, ": field 'dtype' has code ", int(code),
        "; token ids must be integers (codes 1-5 or 8)");
  dtype_ = static_cast<TokenDtype>(code);
  const uint64_t S = load<uint64_t>(p + 18), D = load<uint64_t>(p + 26);
  const uint64_t body = idx_.size() - kHeaderBytes;
  // Each count is bounded by the file size before it is multiplied, so nothing overflows.
  check(S <= body / 12 && D >= 1 && D <= body / 8 && S * 12 + D * 8 == body, path, ": sequence count ", S,
        " and document-index count ", D, " need ", kHeaderBytes, " + 12*S + 8*D bytes but the file has ",
        idx_.size());
  num_sequences_ = static_cast<int64_t>(S);
  num_doc_index_ = static_cast<int64_t>(D);
  sizes_ = p + kHeaderBytes;
  pointers_ = sizes_ + 4 * S;
  doc_index_ = pointers_ + 8 * S;
  const uint64_t item = token_bytes(dtype_), bin_size = bin_.size();
  for (uint64_t i = 0; i < S; ++i) {
    const int32_t n = load<int32_t>(sizes_ + 4 * i);
    const int64_t at = load<int64_t>(pointers_ + 8 * i);
    check(n >= 0, path, ": sizes[", i, "] = ", n, " is negative");
    check(at >= 0 && static_cast<uint64_t>(at) <= bin_size && static_cast<uint64_t>(n) * item <= bin_size - at, path,
          ": sequence ", i, " (pointers[", i, "] = ", at, ", ", n, " tokens) runs past the end of ", bin_.path(), " (",
          bin_size, " bytes)");
  }
  int64_t previous = -1;
  for (uint64_t d = 0; d < D; ++d) {
    const int64_t start = load<int64_t>(doc_index_ + 8 * d);
    check(start >= previous && start >= 0 && start <= num_sequences_, path, ": document_index[", d, "] = ", start,
          " is not a sequence index in order (0..", S, ")");
    previous = start;
  }
  check(load<int64_t>(doc_index_) == 0 && previous == num_sequences_, path,
        ": document_index must start at 0 and end at the sequence count ", S);
}

int32_t MmidxReader::sequence_length(int64_t i) const {
  check(i >= 0 && i < num_sequences_, prefix_, ": sequence ", i, " out of range [0, ", num_sequences_, ")");
  return load<int32_t>(sizes_ + 4 * i);
}

void MmidxReader::read_sequence(int64_t i, std::vector<int32_t>& out) const {
  const size_t n = static_cast<size_t>(sequence_length(i));
  const auto offset = static_cast<size_t>(load<int64_t>(pointers_ + 8 * i));
  const uint8_t* src = bin_.data() + offset;
  out.resize(n);
  switch (dtype_) {
    case TokenDtype::u8: widen<uint8_t>(src, n, out, bin_.path(), i); break;
    case TokenDtype::i8: widen<int8_t>(src, n, out, bin_.path(), i); break;
    case TokenDtype::i16: widen<int16_t>(src, n, out, bin_.path(), i); break;
    case TokenDtype::u16: widen<uint16_t>(src, n, out, bin_.path(), i); break;
    case TokenDtype::i32: widen<int32_t>(src, n, out, bin_.path(), i); break;
    case TokenDtype::i64: widen<int64_t>(src, n, out, bin_.path(), i); break;
  }
}

int64_t MmidxReader::document_start(int64_t d) const {
  check(d >= 0 && d < num_doc_index_, prefix_, ": document ", d, " out of range");
  return load<int64_t>(doc_index_ + 8 * d);
}

void MmidxReader::release() const {
  idx_.release();
  bin_.release();
}

}  // namespace lpo::io
