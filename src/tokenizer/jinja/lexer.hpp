// Lexer of the chat-template Jinja engine: template source -> tokens. Text between tags is
// whitespace-processed here, with the environment transformers uses for chat templates
// (trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False):
//  - `{%-`, `{{-`, `{#-` strip all whitespace before the tag; `-%}`, `-}}`, `-#}` all after it;
//  - trim_blocks: one newline right after `%}` or `#}` is dropped (not after `}}`; `+%}` keeps it);
//  - lstrip_blocks: spaces and tabs from the start of a line up to `{%` or `{#` are dropped
//    (`{%+` keeps them);
//  - one trailing newline at the end of the template is dropped.
// Comments vanish; `{% raw %}...{% endraw %}` becomes text verbatim.
// Source of behaviour: Jinja's documentation, "Whitespace Control" and "Lexer" settings.
#pragma once
#include <string>
#include <vector>

namespace lpo::jinja {

struct Token {
  enum class Type { text, var_begin, var_end, block_begin, block_end, name, string, integer, floating, op, eof };
  Type type;
  std::string text;  // the text, name, operator, or the decoded string literal / number spelling
  int line;          // 1-based line of the token's start in the template
};

/// Tokens of `source`, ending with one eof token. Throws lpo::Error naming `template_name` and
/// the line for an unclosed tag, comment or string, or a character no token starts with.
std::vector<Token> lex(const std::string& source, const std::string& template_name);

}  // namespace lpo::jinja
