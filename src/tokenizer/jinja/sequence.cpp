// iterate, length_of, subscript, slice and argument (builtins.hpp): Python's sequence rules.
#include "tokenizer/jinja/builtins.hpp"
#include "tokenizer/jinja/text.hpp"

namespace lpo::jinja {

Value argument(const Args& args, size_t index, const char* name, const Value& fallback) {
  if (index < args.positional.size()) return args.positional[index];
  for (const auto& [k, v] : args.named)
    if (k == name) return v;
  return fallback;
}

List iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::undefined:
    case Value::Kind::none: return {};
    case Value::Kind::list: return v.as_list();
    case Value::Kind::dict: {
      List keys;
      for (const auto& [k, item] : v.as_dict().entries) keys.emplace_back(k);
      return keys;
    }
    case Value::Kind::string: {
      List chars;
      for (char32_t c : text::decode(v.as_string())) chars.emplace_back(text::encode(std::u32string(1, c)));
      return chars;
    }
    default: value_fail("'", v.type_name(), "' object is not iterable");
  }
}

int64_t length_of(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::undefined: return 0;
    case Value::Kind::string: return text::length(v.as_string());
    case Value::Kind::list: return static_cast<int64_t>(v.as_list().size());
    case Value::Kind::dict: return static_cast<int64_t>(v.as_dict().entries.size());
    default: value_fail("object of type '", v.type_name(), "' has no len()");
  }
}

Value subscript(const Value& v, const Value& key) {
  if (v.is_dict()) {
    const Value* found = v.as_dict().find(key.is_string() ? key.as_string() : to_str(key));
    return found ? *found : Value();
  }
  if (v.is_list() || v.is_string()) {
    if (!key.is_int() && !key.is_bool()) {
      if (v.is_undefined()) return Value();
      value_fail(v.type_name(), " indices must be integers, not ", key.type_name());
    }
    int64_t i = key.as_int();
    if (v.is_list()) {
      const List& l = v.as_list();
      const int64_t n = static_cast<int64_t>(l.size());
      if (i < 0) i += n;
      return i >= 0 && i < n ? l[static_cast<size_t>(i)] : Value();
    }
    const std::u32string u = text::decode(v.as_string());
    const int64_t n = static_cast<int64_t>(u.size());
    if (i < 0) i += n;
    return i >= 0 && i < n ? Value(text::encode(u.substr(static_cast<size_t>(i), 1))) : Value();
  }
  return Value();  // undefined (and attribute-less values) give undefined
}

namespace {
// Python's slice.indices(n) for one bound.
int64_t clamp_bound(const Value& b, int64_t n, int64_t step, bool is_start) {
  if (b.is_undefined() || b.is_none()) return step > 0 ? (is_start ? 0 : n) : (is_start ? n - 1 : -1);
  int64_t i = b.as_int();
  if (i < 0) i += n;
  if (step > 0) return i < 0 ? 0 : (i > n ? n : i);
  return i < 0 ? -1 : (i >= n ? n - 1 : i);
}

std::vector<size_t> slice_positions(int64_t n, const Value& start, const Value& stop, const Value& step_v) {
  const int64_t step = step_v.is_undefined() || step_v.is_none() ? 1 : step_v.as_int();
  if (step == 0) value_fail("slice step cannot be zero");
  const int64_t b = clamp_bound(start, n, step, true), e = clamp_bound(stop, n, step, false);
  std::vector<size_t> out;
  for (int64_t i = b; step > 0 ? i < e : i > e; i += step) out.push_back(static_cast<size_t>(i));
  return out;
}
}  // namespace

Value slice(const Value& v, const Value& start, const Value& stop, const Value& step) {
  if (v.is_list()) {
    const List& l = v.as_list();
    List out;
    for (size_t i : slice_positions(static_cast<int64_t>(l.size()), start, stop, step)) out.push_back(l[i]);
    return Value(std::move(out));
  }
  if (v.is_string()) {
    const std::u32string u = text::decode(v.as_string());
    std::u32string out;
    for (size_t i : slice_positions(static_cast<int64_t>(u.size()), start, stop, step)) out.push_back(u[i]);
    return Value(text::encode(out));
  }
  if (v.is_undefined()) return Value();
  value_fail("'", v.type_name(), "' object is not subscriptable");
}

}  // namespace lpo::jinja
