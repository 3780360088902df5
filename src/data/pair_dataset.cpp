#include "data/pair_dataset.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>

#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

constexpr const char* kFormat = "lpo-pair-dataset";

struct RefRecord {  // 48 bytes on disk, little-endian, no padding
  double chosen_sum, rejected_sum, chosen_mean, rejected_mean;
  int32_t prompt_len, chosen_len, rejected_len, reserved;
};
static_assert(sizeof(RefRecord) == 48, "RefRecord must be 48 bytes");

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void write_records(const std::string& path, const std::vector<const ScoredPair*>& pairs) {
  AtomicFileWriter out(path);
  for (const ScoredPair* p : pairs) {
    const ReferenceLogps& r = p->reference;
    RefRecord rec{r.chosen_sum, r.rejected_sum, r.chosen_mean(), r.rejected_mean(),
                  static_cast<int32_t>(p->tokens.prompt.size()), r.chosen_len, r.rejected_len, 0};
    out.write(&rec, sizeof(rec));
  }
  out.commit();
}

template <typename T>
T field(const nlohmann::json& j, const char* name, const std::string& path) {
  check(j.contains(name), path, ": missing field '", name, "'");
  try {
    return j.at(name).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": field '" + name + "' has the wrong type (" + j.at(name).type_name() + ")");
  }
}

PairDatasetInfo read_info(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": invalid JSON: " + e.what());
  }
  check(j.is_object() && j.value("format", "") == kFormat, path, ": field 'format' must be \"", kFormat, "\"");
  const int version = field<int>(j, "version", path);
  check(version == PairDatasetInfo::kVersion, path, ": field 'version' is ", version, ", this lpo reads version ",
        PairDatasetInfo::kVersion);
  PairDatasetInfo info;
  info.header.tokenizer_fingerprint = field<std::string>(j, "tokenizer_fingerprint", path);
  info.header.seq_length = field<int>(j, "seq_length", path);
  info.header.model = j.value("model", "");
  info.header.ld_alpha = j.value("ld_alpha", 1.0);
  info.num_pairs = field<int64_t>(j, "num_pairs", path);
  info.max_token_id = field<int64_t>(j, "max_token_id", path);
  info.token_dtype = field<std::string>(j, "token_dtype", path);
  info.build = j.value("build", nlohmann::json::object());
  check(info.num_pairs >= 0, path, ": field 'num_pairs' is negative");
  return info;
}

}  // namespace

std::string pair_dataset_prefix(const std::string& path) {
  for (const char* suffix : {".lpo.json", ".ref.bin", ".idx", ".bin"})
    if (ends_with(path, suffix)) return path.substr(0, path.size() - std::strlen(suffix));
  return path;
}

bool is_pair_dataset(const std::string& path) {
  return std::filesystem::exists(pair_dataset_prefix(path) + ".idx");
}

void write_pair_dataset(const std::string& prefix, const ScoredPairsHeader& header,
                        const std::vector<const ScoredPair*>& pairs, const nlohmann::json& build) {
  int64_t max_id = -1;
  for (const ScoredPair* p : pairs)
    for (const auto* ids : {&p->tokens.prompt, &p->tokens.chosen, &p->tokens.rejected})
      for (int32_t id : *ids) max_id = std::max<int64_t>(max_id, id);
  const io::TokenDtype dtype = io::token_dtype_for(max_id);
  io::MmidxWriter tokens(prefix, dtype);
  for (const ScoredPair* p : pairs) {
    tokens.add_sequence(p->tokens.prompt);
    tokens.add_sequence(p->tokens.chosen);
    tokens.add_sequence(p->tokens.rejected);
    tokens.end_document();
  }
  tokens.commit();
  write_records(prefix + ".ref.bin", pairs);
  nlohmann::json info = {{"format", kFormat},
                         {"version", PairDatasetInfo::kVersion},
                         {"layout", "document i = pair i: sequences prompt, chosen, rejected"},
                         {"tokenizer_fingerprint", header.tokenizer_fingerprint},
                         {"seq_length", header.seq_length},
                         {"model", header.model},
                         {"ld_alpha", header.ld_alpha},
                         {"num_pairs", static_cast<int64_t>(pairs.size())},
                         {"max_token_id", max_id},
                         {"token_dtype", io::token_dtype_name(dtype)},
                         {"ref_record_bytes", sizeof(RefRecord)},
                         {"build", build}};
  write_file_atomic(prefix + ".lpo.json", info.dump(2) + "\n");
}

PairDataset::PairDataset(const std::string& prefix, size_t resident_limit_bytes)
    : prefix_(pair_dataset_prefix(prefix)),
      info_(read_info(prefix_ + ".lpo.json")),
      tokens_(prefix_),
      records_(prefix_ + ".ref.bin"),
      budget_(resident_limit_bytes) {
  const int64_t n = info_.num_pairs;
  check(tokens_.num_documents() == n && tokens_.num_sequences() == 3 * n, prefix_, ".idx holds ",
        tokens_.num_documents(), " documents and ", tokens_.num_sequences(), " sequences; ", prefix_,
        ".lpo.json says num_pairs ", n, " (3 sequences each)");
  check(records_.size() == static_cast<size_t>(n) * sizeof(RefRecord), records_.path(), ": ", records_.size(),
        " bytes, expected ", n, " records of ", sizeof(RefRecord), " bytes");
  budget_.track(tokens_.index_file());
  budget_.track(tokens_.data_file());
  budget_.track(records_);
}

ScoredPair PairDataset::get(int64_t i) const {
  check(i >= 0 && i < info_.num_pairs, prefix_, ": pair ", i, " out of range [0, ", info_.num_pairs, ")");
  check(tokens_.document_start(i) == 3 * i && tokens_.document_start(i + 1) == 3 * i + 3,
        prefix_, ".idx: document ", i, " is not three sequences (prompt, chosen, rejected)");
  ScoredPair pair;
  tokens_.read_sequence(3 * i, pair.tokens.prompt);
  tokens_.read_sequence(3 * i + 1, pair.tokens.chosen);
  tokens_.read_sequence(3 * i + 2, pair.tokens.rejected);
  RefRecord rec;
  const size_t at = static_cast<size_t>(i) * sizeof(RefRecord);
  std::memcpy(&rec, records_.data() + at, sizeof(rec));
  check(rec.prompt_len == static_cast<int32_t>(pair.tokens.prompt.size()) &&
            rec.chosen_len == static_cast<int32_t>(pair.tokens.chosen.size()) &&
            rec.rejected_len == static_cast<int32_t>(pair.tokens.rejected.size()),
        records_.path(), ": record ", i, " lengths (", rec.prompt_len, ", ", rec.chosen_len, ", ", rec.rejected_len,
        ") differ from ", prefix_, ".idx (", pair.tokens.prompt.size(), ", ", pair.tokens.chosen.size(), ", ",
        pair.tokens.rejected.size(), ")");
  check(std::isfinite(rec.chosen_sum) && std::isfinite(rec.rejected_sum), records_.path(), ": record ", i,
        " holds a non-finite reference log-prob");
  pair.reference = {rec.chosen_sum, rec.rejected_sum, rec.chosen_len, rec.rejected_len};
  budget_.check();
  return pair;
}

}  // namespace lpo
