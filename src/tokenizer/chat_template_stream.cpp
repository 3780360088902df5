#include "tokenizer/chat_template_stream.hpp"

#include "util/error.hpp"

namespace lpo {

namespace {
std::string render_line(const ChatTemplate& tmpl, const std::string& line) {
  nlohmann::ordered_json row;
  try {
    row = nlohmann::ordered_json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    fail("invalid JSON (", e.what(), ")");
  }
  check(row.is_object(), "expected a JSON object {\"messages\": [...], ...}, found ", row.type_name());
  auto messages = row.find("messages");
  check(messages != row.end() && messages->is_array(), "field 'messages': expected a list of messages");
  nlohmann::ordered_json vars = nlohmann::ordered_json::object();
  for (const auto& [k, v] : row.items())
    if (k != "messages") vars[k] = v;
  return nlohmann::ordered_json(render_chat(tmpl, *messages, vars))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

long apply_chat_template_stream(const ChatTemplate& tmpl, std::istream& in, std::ostream& out,
                                const std::string& source) {
  std::string line;
  long number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string rendered;
    try {
      rendered = render_line(tmpl, line);
    } catch (const Error& e) {
      fail(source, ":", number, ": ", e.what());
    }
    out << rendered << '\n' << std::flush;
  }
  return number;
}

}  // namespace lpo
