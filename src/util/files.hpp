// Whole-file reads and crash-safe writes.
#pragma once
#include <cstddef>
#include <string>

namespace lpo {

/// Reads a whole file (binary). Throws lpo::Error naming the path when it cannot be opened.
std::string read_file(const std::string& path);

/// Writes `content` to `path` atomically: a temporary file in the same directory is written,
/// fsynced and renamed over `path`, so readers see the old or the new file, never a torn one.
/// Throws lpo::Error (with errno's text) on any failure, leaving `path` untouched.
void write_file_atomic(const std::string& path, const std::string& content);

/// Streams a file into place atomically: bytes go to a temporary file next to `path`;
/// commit() fsyncs it, renames it over `path` and fsyncs the directory. Destroyed without
/// commit() (an error on the way), the temporary file is removed and `path` is untouched.
/// Every failure throws lpo::Error naming the path and errno's text.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(const std::string& path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  void write(const void* data, size_t size);
  void commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
};

/// fsyncs a directory so a rename inside it is durable. Throws lpo::Error on failure.
void fsync_dir(const std::string& dir);

}  // namespace lpo
