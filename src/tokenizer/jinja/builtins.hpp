// The chat-template engine's built-in filters, tests and methods of str / list / dict, with
// Python's and Jinja's semantics. Each throws ValueError (wrapped by the renderer with the
// template, line and construct) for an unknown name or a bad argument.
#pragma once
#include <string>

#include "tokenizer/jinja/value.hpp"

namespace lpo::jinja {

/// The items a for loop or a filter walks: a list itself, a dict's keys, a string's code
/// points, nothing for undefined / None. Throws ValueError for other kinds.
List iterate(const Value& v);

/// len(): code points of a string, items of a list / dict; 0 for undefined.
int64_t length_of(const Value& v);

/// v[key]: list / string by (negative) index, dict by key. Out of range or missing: undefined.
Value subscript(const Value& v, const Value& key);

/// v[start:stop:step] with Python's rules (negative bounds, step < 0 walks backwards); null
/// bounds are Values of kind undefined or None.
Value slice(const Value& v, const Value& start, const Value& stop, const Value& step);

/// `value | name(args)`: abs, attr, batch, capitalize, center, count, d/default, dictsort, e/escape,
/// first, float, format, indent, int, items, join, last, length, list, lower, map, max, min,
/// reject, rejectattr, replace, reverse, round, safe, select, selectattr, sort, string, sum,
/// title, tojson, trim, truncate, unique, upper, wordcount.
Value apply_filter(const std::string& name, const Value& value, Args& args);

/// `value is name(args)`: boolean, callable, defined, divisibleby, eq/equalto/==, escaped, even,
/// false, filter, float, ge/>=, gt/>/greaterthan, in, integer, iterable, le/<=, lower,
/// lt/</lessthan, mapping, ne/!=, none, number, odd, sameas, sequence, string, test, true,
/// undefined, upper.
bool apply_test(const std::string& name, const Value& value, Args& args);

/// True when `object.name(...)` is a method call we implement (str, list and dict methods).
bool has_method(const Value& object, const std::string& name);
/// Calls that method. str: startswith, endswith, split, rsplit, strip, lstrip, rstrip, upper,
/// lower, title, capitalize, replace, find, count, format, join, splitlines, isdigit, isalpha,
/// isspace, islower, isupper; list: append, pop, index, count, extend, insert; dict: items,
/// keys, values, get, update, pop, copy, setdefault.
Value call_method(const Value& object, const std::string& name, Args& args);

/// Argument `index` (positional) or `name` (keyword), else `fallback`.
Value argument(const Args& args, size_t index, const char* name, const Value& fallback = Value());

}  // namespace lpo::jinja
