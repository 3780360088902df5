// The model families lpo implements, as data: each `model_type` of config.json maps to the
// switches of ModelConfig that reproduce transformers' modeling_<family>.py, plus how its
// family-specific fields are read and written. Internal to model/; adding a family is one
// entry in model_families.cpp and a golden test.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model_config.hpp"

namespace lpo {

struct ModelFamily {
  std::string model_type;    // config.json "model_type"
  std::string architecture;  // config.json "architectures"[0] for a directory lpo writes
  bool default_tie = false;  // transformers' default of tie_word_embeddings for this family
  /// Sets the family switches of `c` (whose common fields are read) from config.json `j`.
  /// Throws lpo::Error naming `source` and the field.
  void (*read)(ModelConfig& c, const nlohmann::json& j, const std::string& source) = nullptr;
  /// Writes the family's own config.json fields of `c` into `j`.
  void (*write)(const ModelConfig& c, nlohmann::json& j) = nullptr;
};

/// Every supported family, in a fixed order.
const std::vector<ModelFamily>& model_families();
/// The family of `model_type`, or nullptr.
const ModelFamily* find_family(const std::string& model_type);

}  // namespace lpo
