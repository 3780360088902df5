#include "tokenizer/normalizer.hpp"

#include <nlohmann/json.hpp>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include "util/error.hpp"

namespace lpo {

Normalization parse_normalizer(const nlohmann::json& spec, const std::string& source) {
  if (spec.is_null()) return Normalization::none;
  check(spec.is_object() && spec.contains("type") && spec["type"].is_string(), source,
        ": field \"normalizer\" must be null or an object with a \"type\"");
  const std::string type = spec["type"];
  if (type == "NFC") return Normalization::nfc;
  if (type == "Sequence" && spec.contains("normalizers") && spec["normalizers"].is_array()) {
    Normalization result = Normalization::none;
    for (const auto& item : spec["normalizers"])
      if (parse_normalizer(item, source) == Normalization::nfc) result = Normalization::nfc;
    return result;
  }
  fail(source, ": normalizer type \"", type, "\" is not supported (supported: null, NFC)");
}

std::string normalize_nfc(const std::string& text) {
  bool ascii = true;
  for (unsigned char c : text) ascii = ascii && c < 0x80;
  if (ascii) return text;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  check(U_SUCCESS(status), "ICU: cannot load the NFC normalizer (", u_errorName(status), ")");
  const icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (nfc->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) return text;
  status = U_ZERO_ERROR;
  std::string out;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
  nfc->normalizeUTF8(0, piece, sink, nullptr, status);
  check(U_SUCCESS(status), "ICU: NFC normalization failed (", u_errorName(status), ")");
  return out;
}

std::string apply_normalization(Normalization norm, const std::string& text) {
  return norm == Normalization::nfc ? normalize_nfc(text) : text;
}

}  // namespace lpo
