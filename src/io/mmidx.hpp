// Megatron's indexed dataset container ("MMIDIDX"): token sequences in PREFIX.bin, their
// sizes and byte offsets in PREFIX.idx. We write it so Megatron tooling can open our data,
// and read it in place (mmap) so memory does not grow with the dataset.
//
// PREFIX.idx, little-endian (docs/formats.md):
//   "MMIDIDX\0\0" (9 bytes) | u64 version = 1 | u8 dtype code | u64 sequence count S |
//   u64 document-index count D | i32 sizes[S] (tokens) | i64 pointers[S] (bytes into .bin) |
//   i64 document_index[D] (sequence index where each document starts, then S)
// dtype codes (Megatron core DType): 1 u8, 2 i8, 3 i16, 4 i32, 5 i64, 6 f64, 7 f32, 8 u16.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/files.hpp"
#include "util/mapped_file.hpp"

namespace lpo::io {

enum class TokenDtype : uint8_t { u8 = 1, i8 = 2, i16 = 3, i32 = 4, i64 = 5, u16 = 8 };

/// The narrowest of u16 / i32 that holds ids in [0, max_id] (Megatron picks u16 below 65500).
TokenDtype token_dtype_for(int64_t max_id);
/// Bytes per token of `dtype`.
size_t token_bytes(TokenDtype dtype);
/// "u16", "i32", ...
const char* token_dtype_name(TokenDtype dtype);

/// Streams sequences into PREFIX.bin and the index into PREFIX.idx, both atomically: nothing
/// is visible under the final names until commit(). Throws lpo::Error on I/O failure or an id
/// that does not fit the dtype (naming the sequence).
class MmidxWriter {
 public:
  MmidxWriter(const std::string& prefix, TokenDtype dtype);
  /// Appends one sequence of token ids.
  void add_sequence(const std::vector<int32_t>& ids);
  /// Closes the current document (the sequences added since the last call).
  void end_document();
  /// Writes PREFIX.idx and moves both files into place.
  void commit();

 private:
  TokenDtype dtype_;
  AtomicFileWriter bin_, idx_;
  std::vector<int32_t> sizes_;
  std::vector<int64_t> document_index_{0};
  std::vector<uint8_t> buffer_;
};

/// Reads PREFIX.bin/.idx in place. Every count, size and offset is checked against the file
/// sizes and against each other when opened, before any token is read; a bad file is an
/// lpo::Error naming the file and the field. Accepts u8/i8/i16/u16/i32/i64 tokens.
class MmidxReader {
 public:
  explicit MmidxReader(const std::string& prefix);
  int64_t num_sequences() const { return num_sequences_; }
  int64_t num_documents() const { return num_doc_index_ - 1; }
  TokenDtype dtype() const { return dtype_; }
  /// Tokens of sequence i (0 <= i < num_sequences).
  int32_t sequence_length(int64_t i) const;
  /// Copies sequence i into `out` (resized).
  /// Throws lpo::Error for an out-of-range i or an id outside int32.
  void read_sequence(int64_t i, std::vector<int32_t>& out) const;
  /// First sequence of document d; documents are [document_start(d), document_start(d + 1)).
  int64_t document_start(int64_t d) const;
  /// Drops resident pages of both files (MappedFile::release).
  void release() const;
  const std::string& prefix() const { return prefix_; }
  const MappedFile& index_file() const { return idx_; }
  const MappedFile& data_file() const { return bin_; }

 private:
  void validate();
  std::string prefix_;
  MappedFile idx_, bin_;
  TokenDtype dtype_ = TokenDtype::i32;
  int64_t num_sequences_ = 0, num_doc_index_ = 0;
  const uint8_t* sizes_ = nullptr;     // i32[S], possibly unaligned: read with memcpy
  const uint8_t* pointers_ = nullptr;  // i64[S]
  const uint8_t* doc_index_ = nullptr; // i64[D]
};

}  // namespace lpo::io
