// Values of the chat-template Jinja engine: the Python objects a Jinja template sees
// (undefined, None, bool, int, float, str, list, dict, callables). Lists and dicts are shared
// by reference, as in Python, so `ns.x = ...` on a namespace and `list.append` are visible to
// every holder. Dicts keep insertion order (Python 3.7+), which `tojson` and `items` show.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace lpo::jinja {

class Value;
using List = std::vector<Value>;

/// Insertion-ordered string-keyed map (a Python dict with str keys; a namespace() too).
struct Dict {
  std::vector<std::pair<std::string, Value>> entries;
  const Value* find(const std::string& key) const;
  void set(const std::string& key, Value value);
};

/// Arguments of a call: positional, then keyword arguments in call order.
struct Args {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;
};

using Function = std::function<Value(Args&)>;

/// An error raised by a value operation (a bad type, an unknown method...). The renderer
/// prefixes it with the template name, line and construct before the user sees it.
class ValueError : public Error {
 public:
  using Error::Error;
};

template <typename... A>
[[noreturn]] void value_fail(A&&... args) {
  throw ValueError(detail::concat(std::forward<A>(args)...));
}

struct None {};

class Value {
 public:
  enum class Kind { undefined, none, boolean, integer, floating, string, list, dict, function };

  Value() = default;  // undefined
  Value(None) : v_(None{}) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<int64_t>(i)) {}
  Value(int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(List l) : v_(std::make_shared<List>(std::move(l))) {}
  Value(Dict d) : v_(std::make_shared<Dict>(std::move(d))) {}
  Value(Function f) : v_(std::make_shared<Function>(std::move(f))) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::undefined; }
  bool is_none() const { return kind() == Kind::none; }
  bool is_bool() const { return kind() == Kind::boolean; }
  bool is_int() const { return kind() == Kind::integer; }
  bool is_float() const { return kind() == Kind::floating; }
  /// int, float or bool (Python's numbers.Number includes bool).
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind() == Kind::string; }
  bool is_list() const { return kind() == Kind::list; }
  bool is_dict() const { return kind() == Kind::dict; }
  bool is_function() const { return kind() == Kind::function; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const;      // int or bool; throws ValueError otherwise
  double as_double() const;    // any number; throws ValueError otherwise
  const std::string& as_string() const;  // throws ValueError unless a string
  List& as_list() const;       // the shared list; throws ValueError unless a list
  Dict& as_dict() const;       // the shared dict; throws ValueError unless a dict
  const Function& as_function() const;

  /// Python truthiness: undefined, None, False, 0, 0.0, "", [] and {} are false.
  bool truthy() const;
  /// The type name a user reads in an error ("str", "list", "undefined"...).
  const char* type_name() const;

 private:
  std::variant<std::monostate, None, bool, int64_t, double, std::string, std::shared_ptr<List>,
               std::shared_ptr<Dict>, std::shared_ptr<Function>>
      v_;
};

/// What `{{ value }}` prints, as transformers.js (@huggingface/jinja) prints it: undefined and
/// None -> "", true -> "true", 1.0 -> "1.0", lists and dicts as JSON ('["a", 1]'). Python's
/// Jinja would print "None", "True" and "['a', 1]"; chat templates guard such values, and the
/// golden renderings we are checked against come from @huggingface/jinja.
std::string to_str(const Value& value);
/// Python repr(): strings quoted as Python quotes them ('it''s' -> "it's").
std::string to_repr(const Value& value);
/// Python's repr of a float: shortest round-trip digits, "1.0", "1e-05", "inf", "nan".
std::string float_repr(double d);

/// Python ==: numbers by value (True == 1), strings, lists and dicts element-wise; undefined
/// equals only undefined.
bool equals(const Value& a, const Value& b);
/// Python <: numbers with numbers, strings with strings (by code units = code points order
/// for UTF-8), lists lexicographically. Throws ValueError for other pairs.
bool less(const Value& a, const Value& b);

/// JSON -> Value (objects keep their key order). JSON null -> None.
Value from_json(const nlohmann::ordered_json& json);
/// Python json.dumps(value, ensure_ascii=False, indent=indent) as transformers' tojson filter
/// does it: separators ", " and ": " without indent, "," and ": " with one; indent < 0: none.
/// Throws ValueError for undefined or a function.
std::string to_json(const Value& value, int indent = -1, bool sort_keys = false);

}  // namespace lpo::jinja
