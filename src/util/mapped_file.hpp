// A read-only memory mapping of a whole file, for data read in place (indexed datasets).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lpo {

/// Maps `path` read-only and shared, so its pages live in the kernel's page cache and are
/// never copied into the process's heap. Move-only; unmaps on destruction.
class MappedFile {
 public:
  MappedFile() = default;
  /// Throws lpo::Error naming the path (with errno's text) when it cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  /// Drops the mapping's resident pages from this process (madvise MADV_DONTNEED). The bytes
  /// stay valid: the next read faults them back in from the page cache. Bounds the resident
  /// size of a process that streams through a file larger than memory.
  void release() const;
  /// Drops the resident pages of [offset, offset + length) (rounded out to whole pages).
  void release(size_t offset, size_t length) const;

 private:
  std::string path_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

/// Keeps the pages a reader faults into its mappings under a byte budget. What a read makes
/// resident depends on the kernel (fault-around, large page-cache folios), so the budget
/// measures instead of estimating: check() reads this process's file-backed resident size
/// (/proc/self/statm) and, once it has grown by more than `limit_bytes` since the last
/// release, drops every tracked mapping's pages (MappedFile::release). The resident set then
/// stays within about the limit however large the files and whatever the access order.
class ResidencyBudget {
 public:
  explicit ResidencyBudget(size_t limit_bytes);
  /// Adds a mapping to release; it must outlive the budget.
  void track(const MappedFile& file) { files_.push_back(&file); }
  /// Call after reads. Cheap (one small /proc read).
  void check();

 private:
  size_t limit_, baseline_ = 0;
  std::vector<const MappedFile*> files_;
};

}  // namespace lpo
