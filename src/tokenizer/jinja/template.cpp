#include "tokenizer/jinja/template.hpp"

#include "tokenizer/jinja/lexer.hpp"
#include "tokenizer/jinja/parser.hpp"
#include "tokenizer/jinja/renderer.hpp"
#include "tokenizer/utf8.hpp"

namespace lpo::jinja {

Template::Template(const std::string& source, std::string name) : name_(std::move(name)) {
  utf8::check_valid(source, "chat template " + name_);
  body_ = parse(lex(source, name_), name_);
}

std::string Template::render(const Dict& context) const { return jinja::render(body_, name_, context); }

}  // namespace lpo::jinja
