// has_method / call_method (builtins.hpp): the str, list and dict methods templates call.
#include <map>
#include <set>

#include <unicode/uchar.h>

#include "tokenizer/jinja/builtins.hpp"
#include "tokenizer/jinja/text.hpp"

namespace lpo::jinja {
namespace {

std::optional<std::string> optional_string(const Value& v) {
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  return v.as_string();
}

int64_t optional_int(const Value& v, int64_t fallback) { return v.is_undefined() || v.is_none() ? fallback : v.as_int(); }

// startswith/endswith accept a string or a tuple (list) of strings.
bool affix(const std::string& s, const Value& what, bool prefix) {
  if (what.is_list()) {
    for (const Value& w : what.as_list())
      if (affix(s, w, prefix)) return true;
    return false;
  }
  const std::string& a = what.as_string();
  if (a.size() > s.size()) return false;
  return prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0;
}

List strings(const std::vector<std::string>& parts) {
  List out;
  for (const std::string& p : parts) out.emplace_back(p);
  return out;
}

template <typename Pred>
bool all_code_points(const std::string& s, Pred pred) {
  const std::u32string u = text::decode(s);
  if (u.empty()) return false;
  for (char32_t c : u)
    if (!pred(c)) return false;
  return true;
}

// str.format with "{}" / "{0}" / "{name}" fields (no format specs).
std::string format(const std::string& fmt, const Args& a) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if ((c == '{' || c == '}') && i + 1 < fmt.size() && fmt[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t close = fmt.find('}', i);
    if (close == std::string::npos) value_fail("format: unmatched '{'");
    const std::string field = fmt.substr(i + 1, close - i - 1);
    if (field.empty()) {
      out += to_str(argument(a, auto_index++, ""));
    } else if (field.find_first_not_of("0123456789") == std::string::npos) {
      out += to_str(argument(a, std::stoul(field), ""));
    } else {
      out += to_str(argument(a, 1u << 30, field.c_str()));
    }
    i = close;
  }
  return out;
}

Value string_method(const std::string& s, const std::string& name, Args& a) {
  if (name == "startswith" || name == "endswith") return Value(affix(s, argument(a, 0, "prefix"), name == "startswith"));
  if (name == "split" || name == "rsplit")
    return Value(strings(text::split(s, optional_string(argument(a, 0, "sep")), optional_int(argument(a, 1, "maxsplit"), -1),
                                     name == "rsplit")));
  if (name == "strip") return Value(text::strip(s, optional_string(argument(a, 0, "chars")), true, true));
  if (name == "lstrip") return Value(text::strip(s, optional_string(argument(a, 0, "chars")), true, false));
  if (name == "rstrip") return Value(text::strip(s, optional_string(argument(a, 0, "chars")), false, true));
  if (name == "upper") return Value(text::upper(s));
  if (name == "lower") return Value(text::lower(s));
  if (name == "title") return Value(text::title(s));
  if (name == "capitalize") return Value(text::capitalize(s));
  if (name == "replace")
    return Value(text::replace(s, argument(a, 0, "old").as_string(), argument(a, 1, "new").as_string(),
                               optional_int(argument(a, 2, "count"), -1)));
  if (name == "find") return Value(text::find(s, argument(a, 0, "sub").as_string()));
  if (name == "count") return Value(text::count(s, argument(a, 0, "sub").as_string()));
  if (name == "format") return Value(format(s, a));
  if (name == "join") {
    std::string out;
    bool first = true;
    for (const Value& item : iterate(argument(a, 0, "iterable"))) {
      if (!first) out += s;
      out += item.as_string();
      first = false;
    }
    return Value(out);
  }
  if (name == "splitlines") {
    std::vector<std::string> lines = text::split(text::replace(s, "\r\n", "\n", -1), std::string("\n"), -1, false);
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    return Value(strings(lines));
  }
  if (name == "isdigit") return Value(all_code_points(s, [](char32_t c) { return u_isdigit(static_cast<UChar32>(c)) != 0; }));
  if (name == "isalpha") return Value(all_code_points(s, [](char32_t c) { return u_isalpha(static_cast<UChar32>(c)) != 0; }));
  if (name == "isspace") return Value(all_code_points(s, text::is_space));
  if (name == "islower") return Value(text::lower(s) == s && text::upper(s) != s);
  if (name == "isupper") return Value(text::upper(s) == s && text::lower(s) != s);
  value_fail("'str' object has no method '", name, "'");
}

Value list_method(List& l, const std::string& name, Args& a) {
  if (name == "append") {
    l.push_back(argument(a, 0, "object"));
    return Value(None{});
  }
  if (name == "extend") {
    for (const Value& item : iterate(argument(a, 0, "iterable"))) l.push_back(item);
    return Value(None{});
  }
  if (name == "insert") {
    int64_t i = argument(a, 0, "index").as_int();
    const int64_t n = static_cast<int64_t>(l.size());
    if (i < 0) i = std::max<int64_t>(0, i + n);
    l.insert(l.begin() + std::min(i, n), argument(a, 1, "object"));
    return Value(None{});
  }
  if (name == "pop") {
    if (l.empty()) value_fail("pop from empty list");
    int64_t i = optional_int(argument(a, 0, "index"), -1);
    if (i < 0) i += static_cast<int64_t>(l.size());
    if (i < 0 || i >= static_cast<int64_t>(l.size())) value_fail("pop index out of range");
    Value v = l[static_cast<size_t>(i)];
    l.erase(l.begin() + i);
    return v;
  }
  if (name == "index" || name == "count") {
    const Value& x = argument(a, 0, "value");
    int64_t n = 0;
    for (size_t i = 0; i < l.size(); ++i) {
      if (!equals(l[i], x)) continue;
      if (name == "index") return Value(static_cast<int64_t>(i));
      ++n;
    }
    if (name == "index") value_fail("list.index(x): x not in list");
    return Value(n);
  }
  value_fail("'list' object has no method '", name, "'");
}

Value dict_method(Dict& d, const std::string& name, Args& a) {
  if (name == "items") {
    List out;
    for (const auto& [k, v] : d.entries) out.emplace_back(List{Value(k), v});
    return Value(std::move(out));
  }
  if (name == "keys" || name == "values") {
    List out;
    for (const auto& [k, v] : d.entries) out.push_back(name == "keys" ? Value(k) : v);
    return Value(std::move(out));
  }
  if (name == "get") {
    const Value* v = d.find(to_str(argument(a, 0, "key")));
    return v ? *v : argument(a, 1, "default", Value(None{}));
  }
  if (name == "pop") {
    const std::string key = to_str(argument(a, 0, "key"));
    for (auto it = d.entries.begin(); it != d.entries.end(); ++it)
      if (it->first == key) {
        Value v = it->second;
        d.entries.erase(it);
        return v;
      }
    if (a.positional.size() > 1) return a.positional[1];
    value_fail("dict.pop: key '", key, "' not found");
  }
  if (name == "setdefault") {
    const std::string key = to_str(argument(a, 0, "key"));
    if (const Value* v = d.find(key)) return *v;
    d.set(key, argument(a, 1, "default", Value(None{})));
    return *d.find(key);
  }
  if (name == "update") {
    if (!a.positional.empty())
      for (const auto& [k, v] : a.positional[0].as_dict().entries) d.set(k, v);
    for (const auto& [k, v] : a.named) d.set(k, v);
    return Value(None{});
  }
  if (name == "copy") return Value(Dict(d));
  value_fail("'dict' object has no method '", name, "'");
}

}  // namespace

bool has_method(const Value& object, const std::string& name) {
  static const std::set<std::string> str = {"startswith", "endswith", "split",  "rsplit",  "strip",   "lstrip",
                                            "rstrip",     "upper",    "lower",  "title",   "capitalize", "replace",
                                            "find",       "count",    "format", "join",    "splitlines", "isdigit",
                                            "isalpha",    "isspace",  "islower", "isupper"};
  static const std::set<std::string> list = {"append", "pop", "index", "count", "extend", "insert"};
  static const std::set<std::string> dict = {"items", "keys", "values", "get", "update", "pop", "copy", "setdefault"};
  if (object.is_string()) return str.count(name) > 0;
  if (object.is_list()) return list.count(name) > 0;
  if (object.is_dict()) return dict.count(name) > 0;
  return false;
}

Value call_method(const Value& object, const std::string& name, Args& args) {
  if (object.is_string()) return string_method(object.as_string(), name, args);
  if (object.is_list()) return list_method(object.as_list(), name, args);
  if (object.is_dict()) return dict_method(object.as_dict(), name, args);
  value_fail("'", object.type_name(), "' object has no method '", name, "'");
}

}  // namespace lpo::jinja
