#include "tokenizer/jinja/parser.hpp"

#include <algorithm>
#include <cstdlib>

namespace lpo::jinja {
namespace {

using T = Token::Type;

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const std::string& name) : toks_(tokens), name_(name) {}

  Body run() {
    std::string end;
    Body body = parse_body({}, end);
    return body;
  }

 private:
  // ---- token helpers --------------------------------------------------------------------
  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t ahead = 1) const { return toks_[std::min(pos_ + ahead, toks_.size() - 1)]; }
  bool is_op(const char* op) const { return cur().type == T::op && cur().text == op; }
  bool is_name(const char* n) const { return cur().type == T::name && cur().text == n; }
  const Token& next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  bool skip_op(const char* op) { return is_op(op) ? (next(), true) : false; }
  bool skip_name(const char* n) { return is_name(n) ? (next(), true) : false; }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case T::eof: return "the end of the template";
      case T::block_end: return "'%}'";
      case T::var_end: return "'}}'";
      case T::text: return "text";
      case T::string: return "a string";
      default: return "'" + t.text + "'";
    }
  }

  template <typename... A>
  [[noreturn]] void error(const Token& at, A&&... args) const {
    fail("chat template ", name_, " line ", at.line, ": ", std::forward<A>(args)...);
  }

  void expect_op(const char* op, const char* where) {
    if (!skip_op(op)) error(cur(), where, ": expected '", op, "', found ", describe(cur()));
  }
  std::string expect_name(const char* where) {
    if (cur().type != T::name) error(cur(), where, ": expected a name, found ", describe(cur()));
    return next().text;
  }
  void expect_block_end(const std::string& tag) {
    if (cur().type != T::block_end) error(cur(), "{% ", tag, " %}: expected '%}', found ", describe(cur()));
    next();
  }

  // ---- statements -----------------------------------------------------------------------
  // Statements until a block tag whose keyword is in `ends` (that keyword goes to `end`, and
  // the parser stands after it, before the rest of that tag).
  Body parse_body(const std::vector<std::string>& ends, std::string& end) {
    Body body;
    while (true) {
      const Token& t = cur();
      if (t.type == T::eof) {
        if (ends.empty()) return body;
        error(t, "the template ends inside a block: expected {% ", ends.back(), " %}");
      }
      if (t.type == T::text) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::text;
        s->line = t.line;
        s->text = t.text;
        body.push_back(std::move(s));
        next();
      } else if (t.type == T::var_begin) {
        next();
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::output;
        s->line = t.line;
        s->exprs.push_back(parse_expression());
        if (cur().type != T::var_end) error(cur(), "{{ ... }}: expected '}}', found ", describe(cur()));
        next();
        body.push_back(std::move(s));
      } else if (t.type == T::block_begin) {
        next();
        const Token& kw = cur();
        if (kw.type != T::name) error(kw, "expected a tag name after '{%', found ", describe(kw));
        if (std::find(ends.begin(), ends.end(), kw.text) != ends.end()) {
          end = kw.text;
          next();
          return body;
        }
        body.push_back(parse_statement());
      } else {
        error(t, "unexpected ", describe(t));
      }
    }
  }

  StmtPtr make(Stmt::Kind kind, int line) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->line = line;
    return s;
  }

  StmtPtr parse_statement() {
    DepthGuard guard(*this);
    const Token& kw = next();
    const std::string& k = kw.text;
    if (k == "if") return parse_if(kw.line);
    if (k == "for") return parse_for(kw.line);
    if (k == "set") return parse_set(kw.line);
    if (k == "macro") return parse_macro(kw.line);
    if (k == "call") return parse_call_block(kw.line);
    if (k == "filter") return parse_filter_block(kw.line);
    if (k == "break" || k == "continue") {
      expect_block_end(k);
      return make(k == "break" ? Stmt::Kind::break_ : Stmt::Kind::continue_, kw.line);
    }
    if (k == "generation") {
      expect_block_end(k);
      auto s = make(Stmt::Kind::generation, kw.line);
      std::string end;
      s->bodies.push_back(parse_body({"endgeneration"}, end));
      expect_block_end(end);
      return s;
    }
    error(kw, "unknown tag {% ", k, " %}",
          (k.rfind("end", 0) == 0 || k == "elif" || k == "else") ? " here (no open block it closes)" : "");
  }

  StmtPtr parse_if(int line) {
    auto s = make(Stmt::Kind::if_, line);
    s->exprs.push_back(parse_expression());
    expect_block_end("if");
    while (true) {
      std::string end;
      s->bodies.push_back(parse_body({"elif", "else", "endif"}, end));
      if (end == "elif") {
        s->exprs.push_back(parse_expression());
        expect_block_end("elif");
      } else if (end == "else") {
        expect_block_end("else");
        s->bodies.push_back(parse_body({"endif"}, end));
        expect_block_end("endif");
        return s;
      } else {
        expect_block_end("endif");
        return s;
      }
    }
  }

  StmtPtr parse_for(int line) {
    auto s = make(Stmt::Kind::for_, line);
    do {
      s->names.push_back(expect_name("{% for %}"));
    } while (skip_op(","));
    if (!skip_name("in")) error(cur(), "{% for %}: expected 'in', found ", describe(cur()));
    s->exprs.push_back(parse_expression(false));
    s->exprs.push_back(skip_name("if") ? parse_expression(false) : nullptr);
    if (is_name("recursive")) error(cur(), "{% for ... recursive %} is not supported");
    expect_block_end("for");
    std::string end;
    s->bodies.push_back(parse_body({"else", "endfor"}, end));
    if (end == "else") {
      expect_block_end("else");
      s->bodies.push_back(parse_body({"endfor"}, end));
    } else {
      s->bodies.emplace_back();
    }
    expect_block_end("endfor");
    return s;
  }

  StmtPtr parse_set(int line) {
    auto s = make(Stmt::Kind::set, line);
    s->names.push_back(expect_name("{% set %}"));
    if (skip_op(".")) {
      s->attr = expect_name("{% set ns.attr %}");
    } else {
      while (skip_op(",")) s->names.push_back(expect_name("{% set %}"));
    }
    if (s->names.size() == 1 && s->attr.empty() && (cur().type == T::block_end || is_op("|"))) {
      s->kind = Stmt::Kind::set_block;
      s->exprs.push_back(is_op("|") ? parse_filter_chain() : nullptr);
      expect_block_end("set");
      std::string end;
      s->bodies.push_back(parse_body({"endset"}, end));
      expect_block_end("endset");
      return s;
    }
    expect_op("=", "{% set %}");
    s->exprs.push_back(parse_tuple_or_expression());
    expect_block_end("set");
    return s;
  }

  StmtPtr parse_macro(int line) {
    auto s = make(Stmt::Kind::macro, line);
    s->names.push_back(expect_name("{% macro %}"));
    parse_params(s->params, "{% macro %}");
    expect_block_end("macro");
    std::string end;
    s->bodies.push_back(parse_body({"endmacro"}, end));
    expect_block_end("endmacro");
    return s;
  }

  void parse_params(std::vector<std::pair<std::string, ExprPtr>>& params, const char* where) {
    expect_op("(", where);
    while (!is_op(")")) {
      std::string p = expect_name(where);
      params.emplace_back(p, skip_op("=") ? parse_expression() : nullptr);
      if (!skip_op(",")) break;
    }
    expect_op(")", where);
  }

  StmtPtr parse_call_block(int line) {
    auto s = make(Stmt::Kind::call_block, line);
    if (is_op("(")) parse_params(s->params, "{% call(...) %}");
    ExprPtr call = parse_expression();
    if (call->kind != Expr::Kind::call) error(cur(), "{% call %}: expected a macro call");
    s->exprs.push_back(std::move(call));
    expect_block_end("call");
    std::string end;
    s->bodies.push_back(parse_body({"endcall"}, end));
    expect_block_end("endcall");
    return s;
  }

  StmtPtr parse_filter_block(int line) {
    auto s = make(Stmt::Kind::filter_block, line);
    s->exprs.push_back(parse_filters(nullptr));
    expect_block_end("filter");
    std::string end;
    s->bodies.push_back(parse_body({"endfilter"}, end));
    expect_block_end("endfilter");
    return s;
  }

  // `| f | g(...)` with an empty innermost operand (block set and filter block).
  ExprPtr parse_filter_chain() {
    next();  // the first '|'
    return parse_filters(nullptr);
  }

  ExprPtr parse_filters(ExprPtr operand) {
    do {
      auto f = make_expr(Expr::Kind::filter, cur().line);
      f->name = expect_name("filter");
      f->items.push_back(std::move(operand));
      if (is_op("(")) parse_call_args(*f);
      operand = std::move(f);
    } while (skip_op("|"));
    return operand;
  }

  // ---- expressions ----------------------------------------------------------------------
  ExprPtr make_expr(Expr::Kind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

  ExprPtr binary(const std::string& op, ExprPtr l, ExprPtr r, int line) {
    auto e = make_expr(Expr::Kind::binary, line);
    e->name = op;
    e->items.push_back(std::move(l));
    e->items.push_back(std::move(r));
    return e;
  }

  // `a, b` (a list) or one expression: the value of {% set %}.
  ExprPtr parse_tuple_or_expression() {
    ExprPtr first = parse_expression();
    if (!is_op(",")) return first;
    auto list = make_expr(Expr::Kind::list, first->line);
    list->items.push_back(std::move(first));
    while (skip_op(",") && cur().type != T::block_end) list->items.push_back(parse_expression());
    return list;
  }

  ExprPtr parse_expression(bool with_condexpr = true) {
    DepthGuard guard(*this);
    ExprPtr e = parse_or();
    while (with_condexpr && is_name("if")) {
      const int line = next().line;
      auto c = make_expr(Expr::Kind::conditional, line);
      c->items.push_back(std::move(e));
      c->items.push_back(parse_or());
      c->items.push_back(skip_name("else") ? parse_expression() : nullptr);
      e = std::move(c);
    }
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (is_name("or")) {
      const int line = next().line;
      e = binary("or", std::move(e), parse_and(), line);
    }
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (is_name("and")) {
      const int line = next().line;
      e = binary("and", std::move(e), parse_not(), line);
    }
    return e;
  }

  ExprPtr parse_not() {
    DepthGuard guard(*this);
    if (is_name("not")) {
      auto e = make_expr(Expr::Kind::unary, next().line);
      e->name = "not";
      e->items.push_back(parse_not());
      return e;
    }
    return parse_compare();
  }

  // The comparison operator at the cursor ("not in" takes two tokens), or "".
  std::string compare_op() const {
    if (cur().type == T::op && (cur().text == "==" || cur().text == "!=" || cur().text == "<" ||
                                cur().text == "<=" || cur().text == ">" || cur().text == ">="))
      return cur().text;
    if (is_name("in")) return "in";
    if (is_name("not") && peek().type == T::name && peek().text == "in") return "not in";
    return "";
  }

  ExprPtr parse_compare() {
    ExprPtr e = parse_math1();
    std::string op = compare_op();
    if (op.empty()) return e;
    const int line = cur().line;
    next();
    if (op == "not in") next();
    e = binary(op, std::move(e), parse_math1(), line);
    if (!compare_op().empty()) error(cur(), "chained comparisons (a < b < c) are not supported; use 'and'");
    return e;
  }

  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (is_op("+") || is_op("-")) {
      const Token& op = next();
      e = binary(op.text, std::move(e), parse_concat(), op.line);
    }
    return e;
  }

  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (is_op("~")) {
      const int line = next().line;
      e = binary("~", std::move(e), parse_math2(), line);
    }
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& op = next();
      e = binary(op.text, std::move(e), parse_pow(), op.line);
    }
    return e;
  }

  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    while (is_op("**")) {
      const int line = next().line;
      e = binary("**", std::move(e), parse_unary(true), line);
    }
    return e;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      const Token& op = next();
      e = make_expr(Expr::Kind::unary, op.line);
      e->name = op.text;
      e->items.push_back(parse_unary(false));
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filter_expr(std::move(e));
    return e;
  }

  ExprPtr parse_filter_expr(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        next();
        auto f = make_expr(Expr::Kind::filter, cur().line);
        f->name = expect_name("filter");
        f->items.push_back(std::move(e));
        if (is_op("(")) parse_call_args(*f);
        e = std::move(f);
      } else if (is_name("is")) {
        e = parse_test(std::move(e));
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_test(ExprPtr operand) {
    auto t = make_expr(Expr::Kind::test, next().line);
    t->negated = skip_name("not");
    t->name = expect_name("test after 'is'");
    t->items.push_back(std::move(operand));
    if (is_op("(")) {
      parse_call_args(*t);
    } else if ((cur().type == T::name || cur().type == T::string || cur().type == T::integer ||
                cur().type == T::floating || is_op("[") || is_op("{")) &&
               !(is_name("else") || is_name("or") || is_name("and") || is_name("if") || is_name("in") ||
                 is_name("is"))) {
      t->items.push_back(parse_postfix(parse_primary()));
    }
    return t;
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".")) {
        const int line = next().line;
        auto a = make_expr(Expr::Kind::attr, line);
        if (cur().type == T::integer) {  // x.0 is x[0]
          a->kind = Expr::Kind::index;
          a->items.push_back(std::move(e));
          auto lit = make_expr(Expr::Kind::literal, line);
          lit->value = Value(static_cast<int64_t>(std::atoll(next().text.c_str())));
          a->items.push_back(std::move(lit));
        } else {
          a->name = expect_name("attribute after '.'");
          a->items.push_back(std::move(e));
        }
        e = std::move(a);
      } else if (is_op("[")) {
        e = parse_subscript(std::move(e));
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr e) {
    const int line = next().line;
    ExprPtr parts[3];
    int colons = 0;
    while (!is_op("]")) {
      if (is_op(":")) {
        next();
        if (++colons > 2) error(cur(), "subscript: too many ':'");
        continue;
      }
      if (parts[colons]) error(cur(), "subscript: expected ':' or ']', found ", describe(cur()));
      parts[colons] = parse_expression();
    }
    next();
    if (colons == 0 && !parts[0]) error(cur(), "subscript: empty []");
    auto s = make_expr(colons == 0 ? Expr::Kind::index : Expr::Kind::slice, line);
    s->items.push_back(std::move(e));
    s->items.push_back(std::move(parts[0]));
    if (colons > 0) {
      s->items.push_back(std::move(parts[1]));
      s->items.push_back(std::move(parts[2]));
    }
    return s;
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto c = make_expr(Expr::Kind::call, cur().line);
    c->items.push_back(std::move(callee));
    parse_call_args(*c);
    return c;
  }

  // ( positional..., name=value... ) into e.items[1..] and e.kwargs.
  void parse_call_args(Expr& e) {
    expect_op("(", "call");
    while (!is_op(")")) {
      if (cur().type == T::name && peek().type == T::op && peek().text == "=") {
        std::string key = next().text;
        next();
        e.kwargs.emplace_back(key, parse_expression());
      } else {
        if (!e.kwargs.empty()) error(cur(), "call: positional argument after keyword argument");
        e.items.push_back(parse_expression());
      }
      if (!skip_op(",")) break;
    }
    expect_op(")", "call");
  }

  ExprPtr literal(Value v, int line) {
    auto e = make_expr(Expr::Kind::literal, line);
    e->value = std::move(v);
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    switch (t.type) {
      case T::string: {
        std::string s = next().text;
        while (cur().type == T::string) s += next().text;  // adjacent literals concatenate
        return literal(Value(std::move(s)), t.line);
      }
      case T::integer: return literal(Value(static_cast<int64_t>(std::strtoll(next().text.c_str(), nullptr, 10))), t.line);
      case T::floating: return literal(Value(std::strtod(next().text.c_str(), nullptr)), t.line);
      case T::name: {
        const std::string n = next().text;
        if (n == "true" || n == "True") return literal(Value(true), t.line);
        if (n == "false" || n == "False") return literal(Value(false), t.line);
        if (n == "none" || n == "None") return literal(Value(None{}), t.line);
        auto e = make_expr(Expr::Kind::name, t.line);
        e->name = n;
        return e;
      }
      case T::op:
        if (t.text == "(") return parse_parenthesized();
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_dict();
        break;
      default: break;
    }
    error(t, "expected an expression, found ", describe(t));
  }

  ExprPtr parse_parenthesized() {
    const int line = next().line;
    if (skip_op(")")) return make_expr(Expr::Kind::list, line);  // () : empty tuple
    ExprPtr first = parse_expression();
    if (skip_op(")")) return first;
    auto list = make_expr(Expr::Kind::list, line);
    list->items.push_back(std::move(first));
    while (skip_op(",") && !is_op(")")) list->items.push_back(parse_expression());
    expect_op(")", "tuple");
    return list;
  }

  ExprPtr parse_list() {
    auto list = make_expr(Expr::Kind::list, next().line);
    while (!is_op("]")) {
      list->items.push_back(parse_expression());
      if (!skip_op(",")) break;
    }
    expect_op("]", "list");
    return list;
  }

  ExprPtr parse_dict() {
    auto dict = make_expr(Expr::Kind::dict, next().line);
    while (!is_op("}")) {
      dict->items.push_back(parse_expression());
      expect_op(":", "dict");
      dict->items.push_back(parse_expression());
      if (!skip_op(",")) break;
    }
    expect_op("}", "dict");
    return dict;
  }

  // Bounds the recursion of nested expressions and blocks (a hostile template must not
  // overflow the stack).
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) p.error(p.cur(), "the template nests expressions or blocks deeper than ", kMaxDepth);
    }
    ~DepthGuard() { --p.depth_; }
  };
  static constexpr int kMaxDepth = 300;

  const std::vector<Token>& toks_;
  const std::string& name_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Body parse(const std::vector<Token>& tokens, const std::string& template_name) {
  return Parser(tokens, template_name).run();
}

}  // namespace lpo::jinja
