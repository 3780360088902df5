#include "tokenizer/jinja/renderer.hpp"

#include <cmath>
#include <ctime>
#include <unordered_map>

#include "tokenizer/jinja/builtins.hpp"

namespace lpo::jinja {
namespace {

using Frame = std::unordered_map<std::string, Value>;

// Bounds that keep a hostile or broken template from exhausting memory or the stack.
constexpr size_t kMaxOutputBytes = size_t{256} << 20;
constexpr int kMaxMacroDepth = 64;
constexpr int64_t kMaxRange = 10'000'000;
enum class Flow { normal, break_loop, continue_loop };

class Renderer {
 public:
  Renderer(const std::string& name, const Dict& context) : name_(name) {
    auto globals = std::make_shared<Frame>();
    add_globals(*globals);
    for (const auto& [k, v] : context.entries) (*globals)[k] = v;
    frames_.push_back(std::move(globals));
    frames_.push_back(std::make_shared<Frame>());  // the template's own top-level scope
  }

  std::string run(const Body& body) {
    std::string out;
    if (exec_body(body, out) != Flow::normal) fail_at(0, "{% break %} / {% continue %} outside a loop");
    return out;
  }

 private:
  template <typename... A>
  [[noreturn]] void fail_at(int line, A&&... args) const {
    fail("chat template ", name_, " line ", line, ": ", std::forward<A>(args)...);
  }

  // ---- scopes ---------------------------------------------------------------------------
  Value lookup(const std::string& n) const {
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
      auto found = (*it)->find(n);
      if (found != (*it)->end()) return found->second;
    }
    return Value();
  }
  void assign(const std::string& n, Value v) { (*frames_.back())[n] = std::move(v); }

  struct ScopeGuard {
    Renderer& r;
    explicit ScopeGuard(Renderer& renderer) : r(renderer) { r.frames_.push_back(std::make_shared<Frame>()); }
    ~ScopeGuard() { r.frames_.pop_back(); }
  };

  // ---- globals --------------------------------------------------------------------------
  void add_globals(Frame& g) {
    g["range"] = Value(Function([](Args& a) {
      int64_t start = 0, stop = 0, step = 1;
      if (a.positional.size() == 1) stop = a.positional[0].as_int();
      else if (a.positional.size() >= 2) start = a.positional[0].as_int(), stop = a.positional[1].as_int();
      if (a.positional.size() >= 3) step = a.positional[2].as_int();
      if (a.positional.empty() || a.positional.size() > 3) value_fail("range expects 1 to 3 integers");
      if (step == 0) value_fail("range() arg 3 must not be zero");
      const int64_t count = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
      if (count > kMaxRange) value_fail("range() of ", count, " items is more than ", kMaxRange);
      List out;
      for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.emplace_back(i);
      return Value(std::move(out));
    }));
    const auto make_dict = [](Args& a) {
      Dict d;
      for (const Value& p : a.positional)
        for (const auto& [k, v] : p.as_dict().entries) d.set(k, v);
      for (const auto& [k, v] : a.named) d.set(k, v);
      return Value(std::move(d));
    };
    g["namespace"] = Value(Function(make_dict));
    g["dict"] = Value(Function(make_dict));
    g["raise_exception"] = Value(Function([](Args& a) -> Value {
      value_fail(a.positional.empty() ? std::string("raise_exception") : to_str(a.positional[0]));
    }));
    g["strftime_now"] = Value(Function([](Args& a) {
      const std::string fmt = a.positional.empty() ? std::string("%Y-%m-%d") : a.positional[0].as_string();
      const std::time_t now = std::time(nullptr);
      std::tm tm{};
      localtime_r(&now, &tm);
      char buf[256];
      const size_t n = std::strftime(buf, sizeof buf, fmt.c_str(), &tm);
      return Value(std::string(buf, n));
    }));
  }

  // ---- statements -----------------------------------------------------------------------
  Flow exec_body(const Body& body, std::string& out) {
    for (const StmtPtr& s : body) {
      const Flow f = exec(*s, out);
      if (out.size() > kMaxOutputBytes) fail_at(s->line, "the rendered text exceeds ", kMaxOutputBytes >> 20, " MiB");
      if (f != Flow::normal) return f;
    }
    return Flow::normal;
  }

  Flow exec(const Stmt& s, std::string& out) {
    switch (s.kind) {
      case Stmt::Kind::text: out += s.text; return Flow::normal;
      case Stmt::Kind::output: out += to_str(eval(*s.exprs[0])); return Flow::normal;
      case Stmt::Kind::if_:
        for (size_t i = 0; i < s.exprs.size(); ++i)
          if (eval(*s.exprs[i]).truthy()) return exec_body(s.bodies[i], out);
        return s.bodies.size() > s.exprs.size() ? exec_body(s.bodies.back(), out) : Flow::normal;
      case Stmt::Kind::for_: return exec_for(s, out);
      case Stmt::Kind::set: exec_set(s); return Flow::normal;
      case Stmt::Kind::set_block: {
        std::string text;
        exec_body(s.bodies[0], text);
        Value v(text);
        assign(s.names[0], s.exprs[0] ? eval_filter_chain(*s.exprs[0], v) : v);
        return Flow::normal;
      }
      case Stmt::Kind::macro: assign(s.names[0], make_macro(s)); return Flow::normal;
      case Stmt::Kind::call_block: out += to_str(exec_call_block(s)); return Flow::normal;
      case Stmt::Kind::filter_block: {
        std::string text;
        exec_body(s.bodies[0], text);
        out += to_str(eval_filter_chain(*s.exprs[0], Value(text)));
        return Flow::normal;
      }
      case Stmt::Kind::break_: return Flow::break_loop;
      case Stmt::Kind::continue_: return Flow::continue_loop;
      case Stmt::Kind::generation: return exec_body(s.bodies[0], out);
    }
    return Flow::normal;
  }

  void bind_targets(const std::vector<std::string>& names, const Value& item, int line, const char* what) {
    if (names.size() == 1) {
      assign(names[0], item);
      return;
    }
    const List parts = item.is_list() || item.is_string() ? iterate(item) : List{};
    if (parts.size() != names.size())
      fail_at(line, what, ": cannot unpack ", item.type_name(), " of length ", length_of(item), " into ", names.size(),
              " names");
    for (size_t i = 0; i < names.size(); ++i) assign(names[i], parts[i]);
  }

  Flow exec_for(const Stmt& s, std::string& out) {
    List items;
    try {
      items = iterate(eval(*s.exprs[0]));
    } catch (const ValueError& e) {
      fail_at(s.line, "{% for %}: ", e.what());
    }
    if (s.exprs[1]) {  // {% for x in xs if cond %}: the loop sees only the kept items
      List kept;
      for (const Value& item : items) {
        ScopeGuard scope(*this);
        bind_targets(s.names, item, s.line, "{% for %}");
        if (eval(*s.exprs[1]).truthy()) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) return exec_body(s.bodies[1], out);
    const int64_t n = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < n; ++i) {
      ScopeGuard scope(*this);
      assign("loop", loop_value(items, i));
      bind_targets(s.names, items[static_cast<size_t>(i)], s.line, "{% for %}");
      if (exec_body(s.bodies[0], out) == Flow::break_loop) break;
    }
    return Flow::normal;
  }

  static Value loop_value(const List& items, int64_t i) {
    const int64_t n = static_cast<int64_t>(items.size());
    Dict loop;
    loop.set("index", Value(i + 1));
    loop.set("index0", Value(i));
    loop.set("revindex", Value(n - i));
    loop.set("revindex0", Value(n - i - 1));
    loop.set("first", Value(i == 0));
    loop.set("last", Value(i == n - 1));
    loop.set("length", Value(n));
    loop.set("depth", Value(1));
    loop.set("depth0", Value(0));
    loop.set("previtem", i > 0 ? items[static_cast<size_t>(i - 1)] : Value());
    loop.set("nextitem", i + 1 < n ? items[static_cast<size_t>(i + 1)] : Value());
    loop.set("cycle", Value(Function([i](Args& a) -> Value {
      if (a.positional.empty()) value_fail("loop.cycle needs at least one value");
      return a.positional[static_cast<size_t>(i) % a.positional.size()];
    })));
    return Value(std::move(loop));
  }

  void exec_set(const Stmt& s) {
    Value v = eval(*s.exprs[0]);
    if (!s.attr.empty()) {
      Value target = lookup(s.names[0]);
      if (!target.is_dict())
        fail_at(s.line, "{% set ", s.names[0], ".", s.attr, " %}: '", s.names[0], "' is ", target.type_name(),
                ", not a namespace()");
      target.as_dict().set(s.attr, std::move(v));
      return;
    }
    bind_targets(s.names, v, s.line, "{% set %}");
  }

  // ---- macros ---------------------------------------------------------------------------
  Value make_macro(const Stmt& s) {
    const Stmt* macro = &s;
    return Value(Function([this, macro](Args& a) { return call_macro(*macro, a); }));
  }

  Value call_macro(const Stmt& m, Args& a) {
    if (a.positional.size() > m.params.size())
      value_fail("macro '", m.names[0], "' takes ", m.params.size(), " arguments, got ", a.positional.size());
    if (macro_depth_ >= kMaxMacroDepth) value_fail("macro calls nest deeper than ", kMaxMacroDepth);
    struct DepthCount {
      int& d;
      explicit DepthCount(int& depth) : d(++depth) {}
      ~DepthCount() { --d; }
    } depth(macro_depth_);
    std::vector<std::shared_ptr<Frame>> saved = frames_;
    frames_.resize(2);  // globals and the template's top level: a macro does not see its caller's locals
    frames_.push_back(std::make_shared<Frame>());
    Dict extra;
    for (size_t i = 0; i < m.params.size(); ++i) {
      const std::string& p = m.params[i].first;
      Value v = argument(a, i, p.c_str());
      if (v.is_undefined() && m.params[i].second) v = eval(*m.params[i].second);
      assign(p, v);
    }
    for (const auto& [k, v] : a.named) {
      bool known = k == "caller";
      for (const auto& p : m.params) known = known || p.first == k;
      if (k == "caller") assign("caller", v);
      else if (!known) extra.set(k, v);
    }
    assign("kwargs", Value(std::move(extra)));
    std::string out;
    try {
      exec_body(m.bodies[0], out);
    } catch (...) {
      frames_ = std::move(saved);
      throw;
    }
    frames_ = std::move(saved);
    return Value(out);
  }

  Value exec_call_block(const Stmt& s) {
    const Expr& call = *s.exprs[0];
    const std::vector<std::shared_ptr<Frame>> here = frames_;
    const Stmt* block = &s;
    Value caller(Function([this, block, here](Args& a) {
      std::vector<std::shared_ptr<Frame>> saved = frames_;
      frames_ = here;
      frames_.push_back(std::make_shared<Frame>());
      for (size_t i = 0; i < block->params.size(); ++i) {
        Value v = argument(a, i, block->params[i].first.c_str());
        if (v.is_undefined() && block->params[i].second) v = eval(*block->params[i].second);
        assign(block->params[i].first, v);
      }
      std::string out;
      try {
        exec_body(block->bodies[0], out);
      } catch (...) {
        frames_ = std::move(saved);
        throw;
      }
      frames_ = std::move(saved);
      return Value(out);
    }));
    Value fn = eval(*call.items[0]);
    Args args = eval_args(call);
    args.named.emplace_back("caller", caller);
    if (!fn.is_function()) fail_at(s.line, "{% call %}: the callee is ", fn.type_name(), ", not a macro");
    try {
      return fn.as_function()(args);
    } catch (const ValueError& e) {
      fail_at(s.line, "{% call %}: ", e.what());
    }
  }

  // ---- expressions ----------------------------------------------------------------------
  static std::string construct(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::filter: return "filter '" + e.name + "'";
      case Expr::Kind::test: return "test '" + e.name + "'";
      case Expr::Kind::call:
        if (e.items[0]->kind == Expr::Kind::name) return e.items[0]->name + "()";
        if (e.items[0]->kind == Expr::Kind::attr) return "method ." + e.items[0]->name + "()";
        return "call";
      case Expr::Kind::binary: return "operator '" + e.name + "'";
      case Expr::Kind::unary: return "operator '" + e.name + "'";
      case Expr::Kind::index: return "subscript []";
      case Expr::Kind::slice: return "slice [::]";
      case Expr::Kind::attr: return "attribute ." + e.name;
      default: return "expression";
    }
  }

  Value eval(const Expr& e) {
    try {
      return eval_node(e);
    } catch (const ValueError& err) {
      fail_at(e.line, construct(e), ": ", err.what());
    }
  }

  Args eval_args(const Expr& e) {
    Args a;
    for (size_t i = 1; i < e.items.size(); ++i) a.positional.push_back(eval(*e.items[i]));
    for (const auto& [k, v] : e.kwargs) a.named.emplace_back(k, eval(*v));
    return a;
  }

  // A filter chain whose innermost operand is empty ({% filter %}, block set) applied to `base`.
  Value eval_filter_chain(const Expr& f, const Value& base) {
    const Value operand = f.items[0] ? eval_filter_chain(*f.items[0], base) : base;
    Args a = eval_args(f);
    try {
      return apply_filter(f.name, operand, a);
    } catch (const ValueError& err) {
      fail_at(f.line, construct(f), ": ", err.what());
    }
  }

  Value eval_node(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::literal: return e.value;
      case Expr::Kind::name: return lookup(e.name);
      case Expr::Kind::list: {
        List l;
        for (const ExprPtr& item : e.items) l.push_back(eval(*item));
        return Value(std::move(l));
      }
      case Expr::Kind::dict: {
        Dict d;
        for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
          const Value k = eval(*e.items[i]);
          d.set(k.is_string() ? k.as_string() : to_str(k), eval(*e.items[i + 1]));
        }
        return Value(std::move(d));
      }
      case Expr::Kind::attr: {
        const Value obj = eval(*e.items[0]);
        return obj.is_dict() ? subscript(obj, Value(e.name)) : Value();
      }
      case Expr::Kind::index: return subscript(eval(*e.items[0]), eval(*e.items[1]));
      case Expr::Kind::slice: {
        const Value obj = eval(*e.items[0]);
        const auto bound = [&](size_t i) { return e.items[i] ? eval(*e.items[i]) : Value(); };
        return slice(obj, bound(1), bound(2), bound(3));
      }
      case Expr::Kind::call: return eval_call(e);
      case Expr::Kind::filter: {
        const Value operand = eval(*e.items[0]);
        Args a = eval_args(e);
        return apply_filter(e.name, operand, a);
      }
      case Expr::Kind::test: {
        const Value operand = eval(*e.items[0]);
        Args a = eval_args(e);
        return Value(apply_test(e.name, operand, a) != e.negated);
      }
      case Expr::Kind::unary: return eval_unary(e);
      case Expr::Kind::binary: return eval_binary(e);
      case Expr::Kind::conditional:
        if (eval(*e.items[1]).truthy()) return eval(*e.items[0]);
        return e.items[2] ? eval(*e.items[2]) : Value();
    }
    return Value();
  }

  Value eval_call(const Expr& e) {
    const Expr& callee = *e.items[0];
    if (callee.kind == Expr::Kind::attr) {
      const Value obj = eval(*callee.items[0]);
      if (has_method(obj, callee.name)) {
        Args a = eval_args(e);
        return call_method(obj, callee.name, a);
      }
    }
    const Value fn = eval(callee);
    if (fn.is_undefined())
      value_fail(callee.kind == Expr::Kind::name ? "'" + callee.name + "' is undefined"
                                                 : std::string("the called object is undefined"));
    Args a = eval_args(e);
    return fn.as_function()(a);
  }

  Value eval_unary(const Expr& e) {
    const Value v = eval(*e.items[0]);
    if (e.name == "not") return Value(!v.truthy());
    if (v.is_float()) return Value(e.name == "-" ? -v.as_double() : v.as_double());
    if (!v.is_int() && !v.is_bool()) value_fail("bad operand type for unary ", e.name, ": '", v.type_name(), "'");
    return Value(e.name == "-" ? -v.as_int() : v.as_int());
  }

  Value eval_binary(const Expr& e) {
    const std::string& op = e.name;
    const Value l = eval(*e.items[0]);
    if (op == "and") return l.truthy() ? eval(*e.items[1]) : l;
    if (op == "or") return l.truthy() ? l : eval(*e.items[1]);
    const Value r = eval(*e.items[1]);
    if (op == "~") return Value(to_str(l) + to_str(r));
    if (op == "==") return Value(equals(l, r));
    if (op == "!=") return Value(!equals(l, r));
    if (op == "<") return Value(less(l, r));
    if (op == ">") return Value(less(r, l));
    if (op == "<=") return Value(!less(r, l));
    if (op == ">=") return Value(!less(l, r));
    if (op == "in" || op == "not in") {
      Args a;
      a.positional.push_back(r);
      return Value(apply_test("in", l, a) != (op == "not in"));
    }
    return arithmetic(op, l, r);
  }

  static Value arithmetic(const std::string& op, const Value& l, const Value& r) {
    if (op == "+") {
      if (l.is_string() && r.is_string()) return Value(l.as_string() + r.as_string());
      if (l.is_list() && r.is_list()) {
        List out = l.as_list();
        out.insert(out.end(), r.as_list().begin(), r.as_list().end());
        return Value(std::move(out));
      }
    }
    if (op == "*" && ((l.is_string() && (r.is_int() || r.is_bool())) || (r.is_string() && (l.is_int() || l.is_bool())))) {
      const std::string& s = l.is_string() ? l.as_string() : r.as_string();
      const int64_t n = l.is_string() ? r.as_int() : l.as_int();
      if (n > 0 && s.size() * static_cast<size_t>(n) > kMaxOutputBytes) value_fail("string repetition too large");
      std::string out;
      for (int64_t i = 0; i < n; ++i) out += s;
      return Value(out);
    }
    if (!l.is_number() || !r.is_number())
      value_fail("unsupported operand types for ", op, ": '", l.type_name(), "' and '", r.type_name(), "'");
    const bool floating = l.is_float() || r.is_float() || op == "/";
    if (floating) {
      const double a = l.as_double(), b = r.as_double();
      if ((op == "/" || op == "//" || op == "%") && b == 0.0) value_fail("division by zero");
      if (op == "+") return Value(a + b);
      if (op == "-") return Value(a - b);
      if (op == "*") return Value(a * b);
      if (op == "/") return Value(a / b);
      if (op == "//") return Value(std::floor(a / b));
      if (op == "%") return Value(a - std::floor(a / b) * b);
      if (op == "**") return Value(std::pow(a, b));
    }
    const int64_t a = l.as_int(), b = r.as_int();
    if ((op == "//" || op == "%") && b == 0) value_fail("integer division or modulo by zero");
    if (op == "+") return Value(a + b);
    if (op == "-") return Value(a - b);
    if (op == "*") return Value(a * b);
    if (op == "//") return Value(a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0));
    if (op == "%") return Value(((a % b) + b) % b);
    if (op == "**") {
      if (b < 0) return Value(std::pow(static_cast<double>(a), static_cast<double>(b)));
      int64_t p = 1;
      for (int64_t i = 0; i < b && i < 64; ++i) p *= a;
      return Value(p);
    }
    value_fail("unknown operator '", op, "'");
  }

  const std::string& name_;
  std::vector<std::shared_ptr<Frame>> frames_;
  int macro_depth_ = 0;
};

}  // namespace

std::string render(const Body& body, const std::string& template_name, const Dict& context) {
  return Renderer(template_name, context).run(body);
}

}  // namespace lpo::jinja
