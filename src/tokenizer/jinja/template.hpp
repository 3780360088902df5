// A compiled chat template (Jinja source -> statements) and its rendering. The one entry
// point of the engine for the rest of the tokenizer layer (chat_template.hpp uses it).
#pragma once
#include <string>

#include "tokenizer/jinja/ast.hpp"
#include "tokenizer/jinja/value.hpp"

namespace lpo::jinja {

class Template {
 public:
  /// Parses `source`. `name` (e.g. the tokenizer_config.json path) names the template in
  /// every error. Throws lpo::Error "chat template NAME line N: ..." for a syntax error, and for
  /// a source that is not valid UTF-8.
  Template(const std::string& source, std::string name);

  /// The text the template renders with `context` as its variables (plus the globals range,
  /// namespace, dict, raise_exception and strftime_now). Thread-safe (a render has its own
  /// state). Throws lpo::Error "chat template NAME line N: <construct>: <problem>" for a
  /// runtime error (a bad operand type, an unknown filter, raise_exception(msg): msg).
  std::string render(const Dict& context) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  Body body_;
};

}  // namespace lpo::jinja
