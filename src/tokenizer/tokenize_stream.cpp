#include "tokenizer/tokenize_stream.hpp"

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace lpo {

namespace {
std::string convert_line(const Tokenizer& tokenizer, const std::string& line,
                         const TokenizeStreamOptions& options) {
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    fail("invalid JSON (", e.what(), ")");
  }
  if (!options.decode) {
    check(value.is_string(), "expected a JSON string, found ", value.type_name());
    return nlohmann::json(tokenizer.encode(value.get<std::string>(), options.parse_special)).dump();
  }
  check(value.is_array(), "expected a JSON array of token ids, found ", value.type_name());
  std::vector<int32_t> ids;
  ids.reserve(value.size());
  for (const auto& id : value) {
    check(id.is_number_integer() && id >= INT32_MIN && id <= INT32_MAX,
          "expected integer token ids, found ", id.dump());
    ids.push_back(id.get<int32_t>());
  }
  // Decoded bytes may cut a UTF-8 character; replace instead of failing on such text.
  return nlohmann::json(tokenizer.decode(ids, options.skip_special))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

long tokenize_stream(const Tokenizer& tokenizer, std::istream& in, std::ostream& out,
                     const TokenizeStreamOptions& options) {
  std::string line;
  long number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string converted;
    try {
      converted = convert_line(tokenizer, line, options);
    } catch (const Error& e) {
      fail(options.source, ":", number, ": ", e.what());
    }
    out << converted << '\n' << std::flush;
  }
  return number;
}

}  // namespace lpo
