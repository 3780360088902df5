// Python str operations on UTF-8 strings, by code point (len, indexing, slicing, strip,
// split, case mapping), as the chat-template engine's strings need them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lpo::jinja::text {

/// Code points of valid UTF-8 `s`, and back.
std::u32string decode(const std::string& s);
std::string encode(const std::u32string& s);

/// Python len(s): code points.
int64_t length(const std::string& s);

/// Python str.isspace() for one code point.
bool is_space(char32_t c);

/// str.strip / lstrip / rstrip: `chars` absent strips whitespace (is_space), else any of its
/// code points.
std::string strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right);

/// str.split(sep, maxsplit) and rsplit: sep absent splits on whitespace runs (no empty pieces).
/// maxsplit < 0: no limit. Throws ValueError for an empty sep.
std::vector<std::string> split(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit,
                               bool from_right);

/// str.replace(old, new, count); count < 0: all.
std::string replace(const std::string& s, const std::string& from, const std::string& to, int64_t count);

/// str.upper / lower (simple Unicode case mapping), title (first letter of each run of letters
/// upper, the rest lower), capitalize (first code point upper, the rest lower).
std::string upper(const std::string& s);
std::string lower(const std::string& s);
std::string title(const std::string& s);
std::string capitalize(const std::string& s);

/// Number of non-overlapping occurrences of `needle` (str.count); "" counts len + 1.
int64_t count(const std::string& s, const std::string& needle);

/// str.find: code-point index of the first occurrence, or -1.
int64_t find(const std::string& s, const std::string& needle);

}  // namespace lpo::jinja::text
