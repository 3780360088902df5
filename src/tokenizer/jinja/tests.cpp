// apply_test (builtins.hpp): Jinja's built-in tests (`x is name`).
#include <cmath>
#include <map>

#include "tokenizer/jinja/builtins.hpp"
#include "tokenizer/jinja/text.hpp"

namespace lpo::jinja {
namespace {

using Test = bool (*)(const Value&, const Args&);

const Value& other(const Args& a, const char* test) {
  if (a.positional.empty()) value_fail("test '", test, "' needs an argument");
  return a.positional[0];
}

bool t_defined(const Value& v, const Args&) { return !v.is_undefined(); }
bool t_undefined(const Value& v, const Args&) { return v.is_undefined(); }
bool t_none(const Value& v, const Args&) { return v.is_none(); }
bool t_boolean(const Value& v, const Args&) { return v.is_bool(); }
bool t_true(const Value& v, const Args&) { return v.is_bool() && v.as_bool(); }
bool t_false(const Value& v, const Args&) { return v.is_bool() && !v.as_bool(); }
bool t_string(const Value& v, const Args&) { return v.is_string(); }
bool t_number(const Value& v, const Args&) { return v.is_number(); }
bool t_integer(const Value& v, const Args&) { return v.is_int(); }
bool t_float(const Value& v, const Args&) { return v.is_float(); }
bool t_mapping(const Value& v, const Args&) { return v.is_dict(); }
bool t_iterable(const Value& v, const Args&) { return v.is_list() || v.is_dict() || v.is_string(); }
bool t_sequence(const Value& v, const Args&) { return v.is_list() || v.is_dict() || v.is_string(); }
bool t_callable(const Value& v, const Args&) { return v.is_function(); }
bool t_odd(const Value& v, const Args&) { return v.as_int() % 2 != 0; }
bool t_even(const Value& v, const Args&) { return v.as_int() % 2 == 0; }
bool t_divisibleby(const Value& v, const Args& a) {
  const Value& n = other(a, "divisibleby");
  if (v.is_float() || n.is_float()) return std::fmod(v.as_double(), n.as_double()) == 0.0;
  return n.as_int() != 0 && v.as_int() % n.as_int() == 0;
}
bool t_eq(const Value& v, const Args& a) { return equals(v, other(a, "eq")); }
bool t_ne(const Value& v, const Args& a) { return !equals(v, other(a, "ne")); }
bool t_lt(const Value& v, const Args& a) { return less(v, other(a, "lt")); }
bool t_le(const Value& v, const Args& a) { return !less(other(a, "le"), v); }
bool t_gt(const Value& v, const Args& a) { return less(other(a, "gt"), v); }
bool t_ge(const Value& v, const Args& a) { return !less(v, other(a, "ge")); }
bool t_sameas(const Value& v, const Args& a) {
  const Value& o = other(a, "sameas");
  if (v.is_list() && o.is_list()) return &v.as_list() == &o.as_list();
  if (v.is_dict() && o.is_dict()) return &v.as_dict() == &o.as_dict();
  return v.kind() == o.kind() && equals(v, o);
}
bool t_in(const Value& v, const Args& a) {
  const Value& seq = other(a, "in");
  if (seq.is_string()) return v.is_string() && seq.as_string().find(v.as_string()) != std::string::npos;
  if (seq.is_dict()) return v.is_string() && seq.as_dict().find(v.as_string()) != nullptr;
  for (const Value& item : iterate(seq))
    if (equals(item, v)) return true;
  return false;
}
bool t_lower(const Value& v, const Args&) { return v.is_string() && text::lower(v.as_string()) == v.as_string(); }
bool t_upper(const Value& v, const Args&) { return v.is_string() && text::upper(v.as_string()) == v.as_string(); }
bool t_escaped(const Value&, const Args&) { return false; }
bool t_filter(const Value& v, const Args&);
bool t_test(const Value& v, const Args&);

const std::map<std::string, Test>& tests() {
  static const std::map<std::string, Test> table = {
      {"boolean", t_boolean},   {"callable", t_callable}, {"defined", t_defined},   {"divisibleby", t_divisibleby},
      {"eq", t_eq},             {"equalto", t_eq},        {"==", t_eq},             {"escaped", t_escaped},
      {"even", t_even},         {"false", t_false},       {"filter", t_filter},     {"float", t_float},
      {"ge", t_ge},             {">=", t_ge},             {"gt", t_gt},             {">", t_gt},
      {"greaterthan", t_gt},    {"in", t_in},             {"integer", t_integer},   {"iterable", t_iterable},
      {"le", t_le},             {"<=", t_le},             {"lower", t_lower},       {"lt", t_lt},
      {"<", t_lt},              {"lessthan", t_lt},       {"mapping", t_mapping},   {"ne", t_ne},
      {"!=", t_ne},             {"none", t_none},         {"number", t_number},     {"odd", t_odd},
      {"sameas", t_sameas},     {"sequence", t_sequence}, {"string", t_string},     {"test", t_test},
      {"true", t_true},         {"undefined", t_undefined}, {"upper", t_upper},
  };
  return table;
}

bool t_filter(const Value& v, const Args&) {
  Args none;
  try {
    apply_filter(v.as_string(), Value(""), none);
    return true;
  } catch (const ValueError& e) {
    return std::string(e.what()).rfind("unknown filter", 0) != 0;
  }
}
bool t_test(const Value& v, const Args&) { return v.is_string() && tests().count(v.as_string()) > 0; }

}  // namespace

bool apply_test(const std::string& name, const Value& value, Args& args) {
  auto it = tests().find(name);
  if (it == tests().end()) value_fail("unknown test '", name, "'");
  return it->second(value, args);
}

}  // namespace lpo::jinja
