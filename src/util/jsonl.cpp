#include "util/jsonl.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace lpo {

// zlib's gz* functions read plain files transparently, so one code path serves both.
struct LineReader::Impl {
  gzFile file = nullptr;
};

LineReader::LineReader(const std::string& path) : impl_(std::make_unique<Impl>()), path_(path) {
  impl_->file = gzopen(path.c_str(), "rb");
  check(impl_->file != nullptr, "cannot open '", path, "': ", std::strerror(errno));
  gzbuffer(impl_->file, 1 << 18);
}

LineReader::~LineReader() {
  if (impl_ && impl_->file) gzclose(impl_->file);
}

bool LineReader::next(std::string& line) {
  line.clear();
  char buf[1 << 16];
  bool got_any = false;
  while (true) {
    char* r = gzgets(impl_->file, buf, sizeof(buf));
    if (r == nullptr) {
      int err = 0;
      const char* msg = gzerror(impl_->file, &err);
      check(err == Z_OK || err == Z_STREAM_END, path_, ":", line_number_ + 1,
            ": corrupt or truncated compressed file (", msg, ")");
      break;
    }
    got_any = true;
    size_t n = std::strlen(buf);
    line.append(buf, n);
    if (n > 0 && buf[n - 1] == '\n') break;
  }
  if (!got_any) return false;
  ++line_number_;
  if (!line.empty() && line.back() == '\n') line.pop_back();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

nlohmann::json parse_json_line(const std::string& line, const std::string& path, long line_number) {
  try {
    return nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    fail(path, ":", line_number, ": invalid JSON (", e.what(), ")");
  }
}

void for_each_json_line(const std::string& path,
                        const std::function<void(const nlohmann::json&, long)>& fn) {
  LineReader reader(path);
  std::string line;
  while (reader.next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    fn(parse_json_line(line, path, reader.line_number()), reader.line_number());
  }
}

}  // namespace lpo
