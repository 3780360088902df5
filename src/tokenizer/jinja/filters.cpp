// apply_filter (builtins.hpp): Jinja's built-in filters, plus transformers' tojson.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <unicode/uchar.h>

#include "tokenizer/jinja/builtins.hpp"
#include "tokenizer/jinja/text.hpp"
#include "tokenizer/utf8.hpp"

namespace lpo::jinja {
namespace {

using Filter = Value (*)(const Value&, Args&);

// `item.a.b` for a filter's attribute= argument (dotted; digits index lists).
Value attribute_path(const Value& item, const std::string& path) {
  Value v = item;
  for (const std::string& part : text::split(path, std::string("."), -1, false)) {
    const bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    v = digits && v.is_list() ? subscript(v, Value(static_cast<int64_t>(std::atoll(part.c_str())))) : subscript(v, Value(part));
  }
  return v;
}

// The key sort / unique / min / max compare by: the attribute, lower-cased unless case-sensitive.
Value sort_key(const Value& item, const Args& args, size_t attr_index, size_t case_index) {
  const Value& attr = argument(args, attr_index, "attribute");
  Value key = attr.is_string() ? attribute_path(item, attr.as_string()) : item;
  if (key.is_string() && !argument(args, case_index, "case_sensitive", Value(false)).truthy())
    return Value(text::lower(key.as_string()));
  return key;
}

// The text a string filter works on: a string, or a number's digits; undefined is "". None,
// lists and dicts are refused (Python would filter "None" or a list's repr; transformers.js
// raises): a template that trims a null content is a bug to report, not text to train on.
std::string text_of(const Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_undefined()) return "";
  if (v.is_number()) return to_str(v);
  value_fail("expects a string, found ", v.type_name());
}

std::optional<std::string> optional_string(const Value& v) {
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  return v.as_string();
}

Value f_abs(const Value& v, Args&) {
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  const int64_t i = v.as_int();
  return Value(i < 0 ? -i : i);
}
Value f_attr(const Value& v, Args& a) { return subscript(v, argument(a, 0, "name")); }
Value f_capitalize(const Value& v, Args&) { return Value(text::capitalize(text_of(v))); }
Value f_center(const Value& v, Args& a) {
  const std::string s = text_of(v);
  const int64_t width = argument(a, 0, "width", Value(80)).as_int(), n = text::length(s);
  if (width <= n) return Value(s);
  const int64_t left = (width - n) / 2 + ((width - n) % 2 & width % 2);  // Python's str.center
  return Value(std::string(static_cast<size_t>(left), ' ') + s + std::string(static_cast<size_t>(width - n - left), ' '));
}
Value f_length(const Value& v, Args&) { return Value(length_of(v)); }
Value f_default(const Value& v, Args& a) {
  const bool boolean = argument(a, 1, "boolean", Value(false)).truthy();
  if (v.is_undefined() || (boolean && !v.truthy())) return argument(a, 0, "default_value", Value(""));
  return v;
}
Value f_dictsort(const Value& v, Args& a) {
  const bool by_value = argument(a, 1, "by", Value("key")).is_string() && argument(a, 1, "by", Value("key")).as_string() == "value";
  const bool reverse = argument(a, 2, "reverse", Value(false)).truthy();
  std::vector<std::pair<std::string, Value>> entries = v.as_dict().entries;
  Args keyargs;
  keyargs.named.emplace_back("case_sensitive", argument(a, 0, "case_sensitive", Value(false)));
  std::stable_sort(entries.begin(), entries.end(), [&](const auto& x, const auto& y) {
    const Value kx = sort_key(by_value ? x.second : Value(x.first), keyargs, 99, 99);
    const Value ky = sort_key(by_value ? y.second : Value(y.first), keyargs, 99, 99);
    return reverse ? less(ky, kx) : less(kx, ky);
  });
  List out;
  for (auto& [k, item] : entries) out.emplace_back(List{Value(k), item});
  return Value(std::move(out));
}
Value f_escape(const Value& v, Args&) {
  std::string out;
  for (char c : text_of(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(out);
}
Value f_first(const Value& v, Args&) {
  const List items = iterate(v);
  return items.empty() ? Value() : items.front();
}
Value f_last(const Value& v, Args&) {
  const List items = iterate(v);
  return items.empty() ? Value() : items.back();
}
Value f_float(const Value& v, Args& a) {
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string()) {
    const std::string s = text::strip(v.as_string(), std::nullopt, true, true);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return Value(d);
  }
  return argument(a, 0, "default", Value(0.0));
}
Value f_int(const Value& v, Args& a) {
  if (v.is_float()) return Value(static_cast<int64_t>(std::trunc(v.as_double())));
  if (v.is_int() || v.is_bool()) return Value(v.as_int());
  if (v.is_string()) {
    const std::string s = text::replace(text::strip(v.as_string(), std::nullopt, true, true), "_", "", -1);
    const int base = static_cast<int>(argument(a, 1, "base", Value(10)).as_int());
    char* end = nullptr;
    const long long i = std::strtoll(s.c_str(), &end, base);
    if (!s.empty() && end == s.c_str() + s.size()) return Value(static_cast<int64_t>(i));
    const double d = std::strtod(s.c_str(), &end);  // Jinja: int("3.5") -> 3
    if (!s.empty() && end == s.c_str() + s.size()) return Value(static_cast<int64_t>(std::trunc(d)));
  }
  return argument(a, 0, "default", Value(0));
}
Value f_format(const Value& v, Args& a) {
  const std::string& fmt = v.as_string();
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%' || i + 1 >= fmt.size()) {
      out += fmt[i];
      continue;
    }
    const char spec = fmt[++i];
    if (spec == '%') {
      out += '%';
      continue;
    }
    if (next >= a.positional.size()) value_fail("format: not enough arguments for the format string");
    const Value& arg = a.positional[next++];
    if (spec == 's') out += to_str(arg);
    else if (spec == 'r') out += to_repr(arg);
    else if (spec == 'd' || spec == 'i') out += std::to_string(static_cast<int64_t>(arg.as_double()));
    else if (spec == 'f') {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%f", arg.as_double());
      out += buf;
    } else value_fail("format: unsupported conversion '%", std::string(1, spec), "'");
  }
  return Value(out);
}
Value f_indent(const Value& v, Args& a) {
  const Value& w = argument(a, 0, "width", Value(4));
  const std::string pad = w.is_string() ? w.as_string() : std::string(static_cast<size_t>(w.as_int()), ' ');
  const bool first = argument(a, 1, "first", Value(false)).truthy();
  const bool blank = argument(a, 2, "blank", Value(false)).truthy();
  const std::vector<std::string> lines = text::split(text_of(v), std::string("\n"), -1, false);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    if ((i > 0 || first) && (blank || !text::strip(lines[i], std::nullopt, true, true).empty())) out += pad;
    out += lines[i];
  }
  return Value(out);
}
Value f_items(const Value& v, Args&) {
  if (v.is_undefined()) return Value(List{});
  List out;
  for (const auto& [k, item] : v.as_dict().entries) out.emplace_back(List{Value(k), item});
  return Value(std::move(out));
}
Value f_join(const Value& v, Args& a) {
  const std::string sep = to_str(argument(a, 0, "d", Value("")));
  const Value& attr = argument(a, 1, "attribute");
  std::string out;
  bool first = true;
  for (const Value& item : iterate(v)) {
    if (!first) out += sep;
    out += to_str(attr.is_string() ? attribute_path(item, attr.as_string()) : item);
    first = false;
  }
  return Value(out);
}
Value f_list(const Value& v, Args&) { return Value(iterate(v)); }
Value f_lower(const Value& v, Args&) { return Value(text::lower(text_of(v))); }
Value f_upper(const Value& v, Args&) { return Value(text::upper(text_of(v))); }
Value f_title(const Value& v, Args&) { return Value(text::title(text_of(v))); }
Value f_trim(const Value& v, Args& a) {
  return Value(text::strip(text_of(v), optional_string(argument(a, 0, "chars")), true, true));
}
Value f_replace(const Value& v, Args& a) {
  const Value& count = argument(a, 2, "count");
  return Value(text::replace(text_of(v), to_str(argument(a, 0, "old")), to_str(argument(a, 1, "new")),
                             count.is_undefined() || count.is_none() ? -1 : count.as_int()));
}
Value f_map(const Value& v, Args& a) {
  List out;
  const Value& attr = argument(a, 99, "attribute");
  if (attr.is_string()) {
    const Value& fallback = argument(a, 99, "default");
    for (const Value& item : iterate(v)) {
      Value x = attribute_path(item, attr.as_string());
      out.push_back(x.is_undefined() && !fallback.is_undefined() ? fallback : x);
    }
    return Value(std::move(out));
  }
  if (a.positional.empty()) value_fail("map: expected a filter name or attribute=");
  const std::string filter = a.positional[0].as_string();
  Args rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.named = a.named;
  for (const Value& item : iterate(v)) out.push_back(apply_filter(filter, item, rest));
  return Value(std::move(out));
}
Value extreme(const Value& v, Args& a, bool want_max) {
  const List items = iterate(v);
  if (items.empty()) return Value();
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    const Value ki = sort_key(items[i], a, 1, 0), kb = sort_key(items[best], a, 1, 0);
    if (want_max ? less(kb, ki) : less(ki, kb)) best = i;
  }
  return items[best];
}
Value f_max(const Value& v, Args& a) { return extreme(v, a, true); }
Value f_min(const Value& v, Args& a) { return extreme(v, a, false); }

// select / reject (test on the item) and selectattr / rejectattr (test on an attribute).
Value filter_items(const Value& v, Args& a, bool by_attr, bool keep) {
  size_t next = 0;
  std::string attr;
  if (by_attr) {
    if (a.positional.empty()) value_fail("selectattr/rejectattr: expected an attribute name");
    attr = a.positional[next++].as_string();
  }
  std::string test;
  Args test_args;
  if (next < a.positional.size()) {
    test = a.positional[next++].as_string();
    test_args.positional.assign(a.positional.begin() + static_cast<long>(next), a.positional.end());
  }
  List out;
  for (const Value& item : iterate(v)) {
    const Value x = by_attr ? attribute_path(item, attr) : item;
    const bool pass = test.empty() ? x.truthy() : apply_test(test, x, test_args);
    if (pass == keep) out.push_back(item);
  }
  return Value(std::move(out));
}
Value f_select(const Value& v, Args& a) { return filter_items(v, a, false, true); }
Value f_reject(const Value& v, Args& a) { return filter_items(v, a, false, false); }
Value f_selectattr(const Value& v, Args& a) { return filter_items(v, a, true, true); }
Value f_rejectattr(const Value& v, Args& a) { return filter_items(v, a, true, false); }

Value f_reverse(const Value& v, Args&) {
  if (v.is_string()) {
    std::u32string u = text::decode(v.as_string());
    std::reverse(u.begin(), u.end());
    return Value(text::encode(u));
  }
  List items = iterate(v);
  std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}
Value f_round(const Value& v, Args& a) {
  const int64_t precision = argument(a, 0, "precision", Value(0)).as_int();
  const std::string method = to_str(argument(a, 1, "method", Value("common")));
  const double scale = std::pow(10.0, static_cast<double>(precision)), x = v.as_double() * scale;
  const double r = method == "ceil" ? std::ceil(x) : method == "floor" ? std::floor(x) : std::round(x);
  return Value(r / scale);
}
Value f_safe(const Value& v, Args&) { return v; }
Value f_sort(const Value& v, Args& a) {
  List items = iterate(v);
  const bool reverse = argument(a, 0, "reverse", Value(false)).truthy();
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    const Value kx = sort_key(x, a, 2, 1), ky = sort_key(y, a, 2, 1);
    return reverse ? less(ky, kx) : less(kx, ky);
  });
  return Value(std::move(items));
}
Value f_string(const Value& v, Args&) { return Value(to_str(v)); }
Value f_sum(const Value& v, Args& a) {
  const Value& attr = argument(a, 0, "attribute");
  Value total = argument(a, 1, "start", Value(0));
  for (const Value& item : iterate(v)) {
    const Value x = attr.is_string() ? attribute_path(item, attr.as_string()) : item;
    total = total.is_float() || x.is_float() ? Value(total.as_double() + x.as_double()) : Value(total.as_int() + x.as_int());
  }
  return total;
}
Value f_tojson(const Value& v, Args& a) {
  const Value& indent = argument(a, 0, "indent");
  const bool sort_keys = argument(a, 99, "sort_keys", Value(false)).truthy();
  return Value(to_json(v, indent.is_undefined() || indent.is_none() ? -1 : static_cast<int>(indent.as_int()), sort_keys));
}
Value f_truncate(const Value& v, Args& a) {
  const std::string s = text_of(v);
  const int64_t length = argument(a, 0, "length", Value(255)).as_int();
  const bool killwords = argument(a, 1, "killwords", Value(false)).truthy();
  const std::string end = to_str(argument(a, 2, "end", Value("...")));
  const int64_t leeway = argument(a, 3, "leeway", Value(5)).as_int();
  const std::u32string u = text::decode(s);
  if (static_cast<int64_t>(u.size()) <= length + leeway) return Value(s);
  const int64_t keep = std::max<int64_t>(0, length - text::length(end));
  std::u32string cut = u.substr(0, static_cast<size_t>(keep));
  if (!killwords) {
    const size_t space = cut.rfind(U' ');
    if (space != std::u32string::npos) cut = cut.substr(0, space);
  }
  return Value(text::encode(cut) + end);
}
Value f_unique(const Value& v, Args& a) {
  List out, keys;
  for (const Value& item : iterate(v)) {
    const Value k = sort_key(item, a, 1, 0);
    if (std::none_of(keys.begin(), keys.end(), [&](const Value& seen) { return equals(seen, k); })) {
      keys.push_back(k);
      out.push_back(item);
    }
  }
  return Value(std::move(out));
}
Value f_wordcount(const Value& v, Args&) {
  int64_t words = 0;
  bool in_word = false;
  for (char32_t c : text::decode(text_of(v))) {
    const bool w = c == U'_' || u_isalnum(static_cast<UChar32>(c));
    if (w && !in_word) ++words;
    in_word = w;
  }
  return Value(words);
}
Value f_batch(const Value& v, Args& a) {
  const int64_t n = argument(a, 0, "linecount").as_int();
  if (n <= 0) value_fail("batch: linecount must be positive");
  const Value& fill = argument(a, 1, "fill_with");
  List out, row;
  for (const Value& item : iterate(v)) {
    row.push_back(item);
    if (static_cast<int64_t>(row.size()) == n) out.emplace_back(std::move(row)), row.clear();
  }
  if (!row.empty()) {
    while (!fill.is_undefined() && !fill.is_none() && static_cast<int64_t>(row.size()) < n) row.push_back(fill);
    out.emplace_back(std::move(row));
  }
  return Value(std::move(out));
}

const std::map<std::string, Filter>& filters() {
  static const std::map<std::string, Filter> table = {
      {"abs", f_abs},         {"attr", f_attr},         {"batch", f_batch},     {"capitalize", f_capitalize},
      {"center", f_center},   {"count", f_length},      {"d", f_default},       {"default", f_default},
      {"dictsort", f_dictsort}, {"e", f_escape},        {"escape", f_escape},   {"first", f_first},
      {"float", f_float},     {"format", f_format},     {"indent", f_indent},   {"int", f_int},
      {"items", f_items},     {"join", f_join},         {"last", f_last},       {"length", f_length},
      {"list", f_list},       {"lower", f_lower},       {"map", f_map},         {"max", f_max},
      {"min", f_min},         {"reject", f_reject},     {"rejectattr", f_rejectattr}, {"replace", f_replace},
      {"reverse", f_reverse}, {"round", f_round},       {"safe", f_safe},       {"select", f_select},
      {"selectattr", f_selectattr}, {"sort", f_sort},   {"string", f_string},   {"sum", f_sum},
      {"title", f_title},     {"tojson", f_tojson},     {"trim", f_trim},       {"truncate", f_truncate},
      {"unique", f_unique},   {"upper", f_upper},       {"wordcount", f_wordcount},
  };
  return table;
}

}  // namespace

Value apply_filter(const std::string& name, const Value& value, Args& args) {
  auto it = filters().find(name);
  if (it == filters().end()) value_fail("unknown filter '", name, "'");
  return it->second(value, args);
}

}  // namespace lpo::jinja
