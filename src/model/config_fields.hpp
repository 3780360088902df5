// Typed reads of config.json fields with errors that name the file, the field and the value.
// Internal to model/ (model_config.cpp, model_families.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace lpo::config_fields {

inline bool has(const nlohmann::json& j, const std::string& key) { return j.contains(key) && !j[key].is_null(); }

/// The integer `key`, or `fallback` when absent or null (an error without a fallback).
inline int64_t get_int(const nlohmann::json& j, const std::string& key, const std::string& source,
                       std::optional<int64_t> fallback = {}) {
  if (!has(j, key)) {
    check(fallback.has_value(), source, ": missing field '", key, "'");
    return *fallback;
  }
  check(j[key].is_number_integer(), source, ": field '", key, "' must be an integer, got ", j[key].dump());
  return j[key].get<int64_t>();
}

inline double get_double(const nlohmann::json& j, const std::string& key, const std::string& source,
                         double fallback) {
  if (!has(j, key)) return fallback;
  check(j[key].is_number(), source, ": field '", key, "' must be a number, got ", j[key].dump());
  return j[key].get<double>();
}

inline std::optional<double> get_optional_double(const nlohmann::json& j, const std::string& key,
                                                 const std::string& source) {
  if (!has(j, key)) return std::nullopt;
  return get_double(j, key, source, 0.0);
}

inline bool get_bool(const nlohmann::json& j, const std::string& key, const std::string& source, bool fallback) {
  if (!has(j, key)) return fallback;
  check(j[key].is_boolean(), source, ": field '", key, "' must be true or false, got ", j[key].dump());
  return j[key].get<bool>();
}

inline std::string get_string(const nlohmann::json& j, const std::string& key, const std::string& source,
                              const std::string& fallback) {
  if (!has(j, key)) return fallback;
  check(j[key].is_string(), source, ": field '", key, "' must be a string, got ", j[key].dump());
  return j[key].get<std::string>();
}

/// Token id fields: null, an integer, or (eos) a list of integers.
inline std::vector<int32_t> get_ids(const nlohmann::json& j, const std::string& key, const std::string& source) {
  std::vector<int32_t> ids;
  if (!has(j, key)) return ids;
  auto one = [&](const nlohmann::json& v) {
    check(v.is_number_integer(), source, ": field '", key, "' must be an id, a list of ids or null, got ",
          j[key].dump());
    ids.push_back(v.get<int32_t>());
  };
  if (j[key].is_array())
    for (const auto& v : j[key]) one(v);
  else
    one(j[key]);
  return ids;
}

}  // namespace lpo::config_fields
