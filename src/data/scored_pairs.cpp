#include "data/scored_pairs.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/files.hpp"
#include "util/jsonl.hpp"

namespace lpo {
namespace {

using nlohmann::json;

const json& field(const json& j, const char* name, const std::string& where) {
  check(j.is_object(), where, ": expected a JSON object, found ", j.type_name());
  auto it = j.find(name);
  check(it != j.end(), where, ": missing field '", name, "'");
  return *it;
}

std::vector<int32_t> read_ids(const json& j, const char* name, const std::string& where) {
  const json& v = field(j, name, where);
  check(v.is_array(), where, ": field '", name, "': expected an array of token ids, found ", v.type_name());
  std::vector<int32_t> ids;
  ids.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    check(v[i].is_number_integer(), where, ": field '", name, "[", i, "]': expected an integer, found ",
          v[i].type_name());
    const long long id = v[i].get<long long>();
    check(id >= 0 && id <= INT32_MAX, where, ": field '", name, "[", i, "]': token id out of range: ", id);
    ids.push_back(static_cast<int32_t>(id));
  }
  return ids;
}

double read_logp(const json& j, const char* name, const std::string& where) {
  const json& v = field(j, name, where);
  check(v.is_number(), where, ": field '", name, "': expected a number (nats), found ", v.type_name());
  const double x = v.get<double>();
  check(std::isfinite(x), where, ": field '", name, "': log-prob must be finite, found ", x);
  return x;
}

int32_t read_len(const json& j, const char* name, size_t expected, const std::string& where) {
  const json& v = field(j, name, where);
  check(v.is_number_integer(), where, ": field '", name, "': expected an integer, found ", v.type_name());
  const long long n = v.get<long long>();
  check(n == static_cast<long long>(expected), where, ": field '", name, "': expected the response's token count ",
        expected, ", found ", n);
  return static_cast<int32_t>(n);
}

ScoredPair parse_pair(const json& j, const std::string& where, bool kto) {
  ScoredPair p;
  if (kto) {
    const json& label = field(j, "label", where);
    check(label.is_boolean(), where, ": field 'label': expected true or false, found ", label.dump());
    p.desirable = label.get<bool>();
  }
  p.tokens.prompt = read_ids(j, "prompt_ids", where);
  p.tokens.chosen = read_ids(j, "chosen_ids", where);
  p.tokens.rejected = read_ids(j, "rejected_ids", where);
  p.reference.chosen_sum = read_logp(j, "ref_chosen_logps_sum", where);
  p.reference.rejected_sum = read_logp(j, "ref_rejected_logps_sum", where);
  p.reference.chosen_len = read_len(j, "ref_chosen_len", p.tokens.chosen.size(), where);
  p.reference.rejected_len = read_len(j, "ref_rejected_len", p.tokens.rejected.size(), where);
  return p;
}

ScoredPairsHeader parse_header(const json& j, const std::string& where) {
  check(j.is_object() && j.contains("lpo_scored_pairs"), where,
        ": not a scored-pairs file: the first line must be the header {\"lpo_scored_pairs\":1,...}");
  const json& version = j["lpo_scored_pairs"];
  check(version.is_number_integer() && version.get<int>() == ScoredPairsHeader::kVersion, where,
        ": field 'lpo_scored_pairs': this build reads version ", ScoredPairsHeader::kVersion, ", found ", version.dump());
  ScoredPairsHeader h;
  const json& fp = field(j, "tokenizer_fingerprint", where);
  check(fp.is_string(), where, ": field 'tokenizer_fingerprint': expected a string, found ", fp.type_name());
  h.tokenizer_fingerprint = fp.get<std::string>();
  const json& len = field(j, "seq_length", where);
  check(len.is_number_integer() && len.get<long long>() > 0, where,
        ": field 'seq_length': expected a positive integer, found ", len.dump());
  h.seq_length = len.get<int>();
  if (j.contains("shard_count")) {
    const json& n = j["shard_count"];
    const json& i = field(j, "shard_index", where);
    check(n.is_number_integer() && i.is_number_integer() && n.get<long long>() >= 1 && i.get<long long>() >= 0 &&
              i.get<long long>() < n.get<long long>(),
          where, ": fields 'shard_index'/'shard_count': expected 0 <= I < N, found ", i.dump(), "/", n.dump());
    h.shard_index = i.get<int>();
    h.shard_count = n.get<int>();
    for (auto [name, value] : {std::pair{"shard_begin", &h.shard_begin}, std::pair{"shard_end", &h.shard_end},
                               std::pair{"shard_total", &h.shard_total}}) {
      const json& v = field(j, name, where);
      check(v.is_number_integer() && v.get<long long>() >= 0, where, ": field '", name,
            "': expected a non-negative integer, found ", v.dump());
      *value = v.get<int64_t>();
    }
    check(h.shard_begin <= h.shard_end && h.shard_end <= h.shard_total, where,
          ": fields 'shard_begin'/'shard_end'/'shard_total' do not describe a range: ", h.shard_begin, ", ",
          h.shard_end, ", ", h.shard_total);
  }
  if (j.contains("kto")) {
    check(j["kto"].is_boolean(), where, ": field 'kto': expected true or false, found ", j["kto"].dump());
    h.kto = j["kto"].get<bool>();
  }
  if (j.contains("ld_alpha")) {
    check(j["ld_alpha"].is_number() && std::isfinite(j["ld_alpha"].get<double>()), where,
          ": field 'ld_alpha': expected a finite number, found ", j["ld_alpha"].dump());
    h.ld_alpha = j["ld_alpha"].get<double>();
  }
  if (j.contains("model")) {
    check(j["model"].is_string(), where, ": field 'model': expected a string, found ", j["model"].type_name());
    h.model = j["model"].get<std::string>();
  }
  return h;
}

void check_writable(const ScoredPair& p, size_t index) {
  const auto& r = p.reference;
  check(std::isfinite(r.chosen_sum) && std::isfinite(r.rejected_sum), "scored pair ", index,
        ": reference log-probs must be finite, found chosen ", r.chosen_sum, ", rejected ", r.rejected_sum);
  check(r.chosen_len == static_cast<int32_t>(p.tokens.chosen.size()) &&
            r.rejected_len == static_cast<int32_t>(p.tokens.rejected.size()),
        "scored pair ", index, ": reference lengths (", r.chosen_len, ", ", r.rejected_len,
        ") differ from the response token counts (", p.tokens.chosen.size(), ", ", p.tokens.rejected.size(), ")");
}

}  // namespace

void write_scored_pairs(const std::string& path, const ScoredPairsHeader& header,
                        const std::vector<ScoredPair>& pairs) {
  std::string out;
  json head{{"lpo_scored_pairs", ScoredPairsHeader::kVersion},
            {"tokenizer_fingerprint", header.tokenizer_fingerprint},
            {"seq_length", header.seq_length},
            {"model", header.model}};
  if (header.ld_alpha != 1.0) head["ld_alpha"] = header.ld_alpha;
  if (header.kto) head["kto"] = true;
  if (header.shard_count > 1) {
    head["shard_index"] = header.shard_index;
    head["shard_count"] = header.shard_count;
    head["shard_begin"] = header.shard_begin;
    head["shard_end"] = header.shard_end;
    head["shard_total"] = header.shard_total;
  }
  out += head.dump();
  out += '\n';
  for (size_t i = 0; i < pairs.size(); ++i) {
    const ScoredPair& p = pairs[i];
    check_writable(p, i);
    json line;  // nlohmann keeps keys sorted; field order does not matter to readers
    line["prompt_ids"] = p.tokens.prompt;
    line["chosen_ids"] = p.tokens.chosen;
    line["rejected_ids"] = p.tokens.rejected;
    line["ref_chosen_logps_sum"] = p.reference.chosen_sum;
    line["ref_rejected_logps_sum"] = p.reference.rejected_sum;
    line["ref_chosen_len"] = p.reference.chosen_len;
    line["ref_rejected_len"] = p.reference.rejected_len;
    if (header.kto) line["label"] = p.desirable;
    out += line.dump();
    out += '\n';
  }
  write_file_atomic(path, out);
}

bool is_scored_pairs_file(const std::string& path) {
  LineReader reader(path);
  std::string text;
  while (reader.next(text)) {
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    return j.is_object() && j.contains("lpo_scored_pairs");
  }
  return false;
}

ScoredPairsFile read_scored_pairs(const std::string& path) {
  ScoredPairsFile file;
  bool have_header = false;
  LineReader reader(path);
  std::string text;
  while (reader.next(text)) {
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(reader.line_number());
    json j = parse_json_line(text, path, reader.line_number());
    if (!have_header) {
      file.header = parse_header(j, where);
      have_header = true;
    } else {
      file.pairs.push_back(parse_pair(j, where, file.header.kto));
    }
  }
  check(have_header, path, ": empty scored-pairs file (no header line)");
  return file;
}

}  // namespace lpo
