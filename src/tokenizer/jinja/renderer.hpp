// The renderer of the chat-template engine: walks the statements with a stack of scopes.
// Scoping follows Jinja: a for-loop body (each iteration) and a macro call get their own
// scope, so `{% set %}` inside them is not seen outside (namespace() objects carry state
// out); if-blocks share the enclosing scope. Undefined names are Jinja's default Undefined:
// they print as "", are false, iterate as empty and their attributes are undefined too.
#pragma once
#include <string>

#include "tokenizer/jinja/ast.hpp"
#include "tokenizer/jinja/value.hpp"

namespace lpo::jinja {

/// The output of `body` with `context` as the variables. Throws lpo::Error naming
/// `template_name`, the line and the construct for a runtime error.
std::string render(const Body& body, const std::string& template_name, const Dict& context);

}  // namespace lpo::jinja
