// Whole-file reads and crash-safe writes.
#pragma once
#include <string>

namespace lpo {

/// Reads a whole file (binary). Throws lpo::Error naming the path when it cannot be opened.
std::string read_file(const std::string& path);

/// Writes `content` to `path` atomically: a temporary file in the same directory is written,
/// fsynced and renamed over `path`, so readers see the old or the new file, never a torn one.
/// Throws lpo::Error (with errno's text) on any failure, leaving `path` untouched.
void write_file_atomic(const std::string& path, const std::string& content);

/// fsyncs a directory so a rename inside it is durable. Throws lpo::Error on failure.
void fsync_dir(const std::string& dir);

}  // namespace lpo
