// Syntax tree of a parsed chat template: expressions and statements, each with its line.
// One generic node per family keeps the parser and renderer short; the `kind` says which
// fields are used (documented per kind below).
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/jinja/value.hpp"

namespace lpo::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    literal,      // value
    name,         // name
    list,         // items: the elements ((a, b) tuples too)
    dict,         // items: key0, value0, key1, value1, ...
    attr,         // items[0] . name
    index,        // items[0] [ items[1] ]
    slice,        // items[0] [ items[1] : items[2] : items[3] ] (null: omitted)
    call,         // items[0] ( items[1..], kwargs )
    filter,       // items[0] | name ( items[1..], kwargs ); items[0] null in {% filter %}
    test,         // items[0] is [not: negated] name ( items[1..] )
    unary,        // name ("-", "+", "not") items[0]
    binary,       // items[0] name items[1]; name: + - * / // % ** ~ == != < <= > >= in "not in" and or
    conditional,  // items[0] if items[1] else items[2] (items[2] null: undefined)
  };
  Kind kind;
  int line = 0;
  Value value;
  std::string name;
  bool negated = false;
  std::vector<ExprPtr> items;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  enum class Kind {
    text,          // text: literal output
    output,        // {{ exprs[0] }}
    if_,           // exprs: the conditions of if/elif..., bodies: one per condition, + else body
    for_,          // names: loop targets; exprs[0]: iterable, exprs[1]: `if` filter or null;
                   // bodies[0]: body, bodies[1]: else body
    set,           // names: targets (one, or several to unpack), or name + attr (ns.attr: names[0], attr);
                   // exprs[0]: value
    set_block,     // names[0] = rendered bodies[0], through exprs[0] (a filter chain) when not null
    macro,         // names[0]: macro name; params; bodies[0]
    call_block,    // exprs[0]: the call; params: caller's parameters; bodies[0]: caller body
    filter_block,  // exprs[0]: filter chain (innermost operand null); bodies[0]
    break_,
    continue_,
    generation,    // {% generation %}: bodies[0], rendered as is
  };
  Kind kind;
  int line = 0;
  std::string text, attr;
  std::vector<std::string> names;
  std::vector<ExprPtr> exprs;
  std::vector<Body> bodies;
  std::vector<std::pair<std::string, ExprPtr>> params;  // name, default (null: none)
};

}  // namespace lpo::jinja
