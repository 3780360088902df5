// safetensors files (https://github.com/huggingface/safetensors, format section of its README):
//   8 bytes  little-endian u64 N = header length
//   N bytes  JSON object {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"?}
//   rest     the data section; offsets are relative to its start.
// Reading maps the file (mmap, copy-on-write) and hands out tensors that alias the mapping;
// writing is atomic (temporary file + fsync + rename).
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lpo {

/// One tensor as described by a safetensors header.
struct SafetensorsEntry {
  std::string name;
  std::string dtype;            // "F32", "BF16", "F16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets in the data section
};

/// at::ScalarType of a safetensors dtype string; throws lpo::Error for an unsupported one.
at::ScalarType safetensors_scalar_type(const std::string& dtype);
/// safetensors dtype string of an at::ScalarType; throws lpo::Error for an unsupported one.
std::string safetensors_dtype_name(at::ScalarType type);

/// A validated, memory-mapped safetensors file. Opening checks (each failure is an lpo::Error
/// naming the file and, where there is one, the tensor): the file holds at least 8 bytes, the
/// header length fits in the file, the header is a JSON object of well-formed entries with a
/// supported dtype, every data_offsets range lies inside the data section, ranges do not
/// overlap, and end - begin == prod(shape) * itemsize.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const;
  /// Tensor names in header order of their data offsets.
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  /// Throws lpo::Error naming the file when `name` is absent.
  const SafetensorsEntry& entry(const std::string& name) const;
  /// The "__metadata__" string map (empty when absent).
  const std::map<std::string, std::string>& metadata() const;

  /// CPU tensor of the entry's shape. Zero-copy (aliases the mapping, which stays alive as long
  /// as the tensor does) when `dtype` is unset or equals the file's dtype and the data is
  /// aligned; otherwise a converted copy. Writes to a zero-copy tensor never reach the file.
  at::Tensor tensor(const std::string& name, std::optional<at::ScalarType> dtype = {}) const;

 private:
  struct Mapping;
  std::shared_ptr<Mapping> map_;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

/// Writes `tensors` (any device; each written in its own dtype, contiguous, little-endian) to
/// `path` atomically, with an optional "__metadata__" map. Throws lpo::Error on a duplicate
/// name, an unsupported dtype, or an I/O failure (then `path` is untouched).
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace lpo
