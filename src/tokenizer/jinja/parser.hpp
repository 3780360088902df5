// Parser of the chat-template Jinja engine: tokens -> statements. Grammar and operator
// precedence follow Jinja's (lowest first): `x if c else y`, or, and, not, comparisons
// (== != < <= > >= in, not in), + -, ~, * / // %, **, unary - +, then filters `|f(...)` and
// tests `is [not] t`, which bind tighter than every binary operator (`a + b | trim` is
// `a + (b | trim)`), and postfix `.name`, `[i]`, `[a:b:c]`, `(...)`.
// Statements: if/elif/else, for (targets, `if` filter, else, loop.*), set (name, tuple,
// ns.attr, block set), macro, call, filter, break, continue, generation; raw is the lexer's.
#pragma once
#include <string>
#include <vector>

#include "tokenizer/jinja/ast.hpp"
#include "tokenizer/jinja/lexer.hpp"

namespace lpo::jinja {

/// The template's statements. Throws lpo::Error "chat template NAME line N: ..." naming the
/// construct for a syntax error (an unknown tag, a missing endfor, an unexpected token).
Body parse(const std::vector<Token>& tokens, const std::string& template_name);

}  // namespace lpo::jinja
