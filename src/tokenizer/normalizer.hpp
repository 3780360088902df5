// Text normalizers of tokenizer.json ("normalizer" field). Supported: null (none), "NFC", and a
// "Sequence" of those. Others are refused at load time, so an unsupported file never encodes
// silently wrong.
#pragma once
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace lpo {

enum class Normalization { none, nfc };

/// Reads the "normalizer" JSON value. Throws lpo::Error naming `source` for a type we do not
/// implement (e.g. NFKC, Lowercase, Replace).
Normalization parse_normalizer(const nlohmann::json& spec, const std::string& source);

/// Unicode Normalization Form C of valid UTF-8 `text` (UAX #15), through ICU's Normalizer2.
/// Text already in NFC (all ASCII, most real text) is returned unchanged after a quick check.
/// Throws lpo::Error when ICU fails.
std::string normalize_nfc(const std::string& text);

/// `text` under `norm`.
std::string apply_normalization(Normalization norm, const std::string& text);

}  // namespace lpo
