// Line-oriented reading of JSONL files, plain or gzip-compressed (.gz), with line numbers
// so every error can name "file:line".
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace lpo {

/// Reads text lines from a plain or gzip file (detected by magic bytes, not the name).
class LineReader {
 public:
  /// Throws lpo::Error when the file cannot be opened.
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// Next line without its '\n' (and a trailing '\r'); false at end of file.
  /// Throws lpo::Error on a corrupt gzip stream.
  bool next(std::string& line);
  /// 1-based number of the line last returned.
  long line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  long line_number_ = 0;
};

/// Parses one JSONL line; throws lpo::Error "path:line: invalid JSON (...)" on failure.
nlohmann::json parse_json_line(const std::string& line, const std::string& path, long line_number);

/// Calls `fn(json, line_number)` for each non-blank line of a JSONL file.
void for_each_json_line(const std::string& path,
                        const std::function<void(const nlohmann::json&, long)>& fn);

}  // namespace lpo
