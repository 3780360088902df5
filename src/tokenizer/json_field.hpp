// An optional field of a tokenizer.json component with its type checked: nlohmann's
// json::value() throws its own type_error for a field of the wrong type, which would escape as
// an internal error (found by fuzz_tokenizer_json). Internal to tokenizer/.
#pragma once
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace lpo {

/// spec[key] as T, or `fallback` when the field is absent or null. Throws lpo::Error naming
/// `source`, the component (`owner`, e.g. "decoder Strip") and the field when it has another type.
template <typename T>
T json_field_or(const nlohmann::json& spec, const char* key, T fallback, const std::string& source, const char* owner) {
  if (!spec.contains(key) || spec[key].is_null()) return fallback;
  const nlohmann::json& v = spec[key];
  bool ok = false;
  if constexpr (std::is_same_v<T, bool>) ok = v.is_boolean();
  else if constexpr (std::is_integral_v<T>) ok = v.is_number_integer();
  else if constexpr (std::is_same_v<T, std::string>) ok = v.is_string();
  check(ok, source, ": ", owner, " field \"", key, "\" has the wrong type (", v.dump(), ")");
  return v.get<T>();
}

}  // namespace lpo
