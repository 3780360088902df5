#include "pipeline/shards.hpp"

#include <algorithm>

#include "util/files.hpp"
#include "util/jsonl.hpp"

namespace lpo::pipeline {
namespace {

bool is_scored_pairs(const std::string& path) {
  LineReader reader(path);
  std::string line;
  while (reader.next(line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line.find("\"lpo_scored_pairs\"") != std::string::npos;
  return false;
}

std::vector<std::string> nonblank_lines(const std::string& path) {
  std::vector<std::string> lines;
  LineReader reader(path);
  std::string line;
  while (reader.next(line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  return lines;
}

// Lines of `lpo sample` shards put back in input order by their "sample_index"; empty when a
// line has none (files from elsewhere: then the shards are interleaved in the order given).
// Throws lpo::Error when the indices do not make exactly 0..n-1 (a shard missing or repeated).
std::vector<std::string> by_sample_index(const std::vector<std::vector<std::string>>& shards,
                                         const std::vector<std::string>& paths) {
  std::vector<std::pair<long, const std::string*>> indexed;
  for (size_t s = 0; s < shards.size(); ++s)
    for (const auto& line : shards[s]) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("sample_index") || !j["sample_index"].is_number_integer()) return {};
      indexed.emplace_back(j["sample_index"].get<long>(), &line);
    }
  std::sort(indexed.begin(), indexed.end());
  std::vector<std::string> out;
  for (size_t k = 0; k < indexed.size(); ++k) {
    check(indexed[k].first == static_cast<long>(k), "lpo merge: the ", paths.size(),
          " shard files hold sample_index ", indexed[k].first, " where ", k,
          " was expected: a shard is missing, repeated or from another run");
    out.push_back(*indexed[k].second);
  }
  return out;
}

void check_compatible(const ScoredPairsHeader& a, const ScoredPairsHeader& b, const std::string& a_path,
                      const std::string& b_path) {
  check(a.tokenizer_fingerprint == b.tokenizer_fingerprint && a.seq_length == b.seq_length &&
            a.ld_alpha == b.ld_alpha && a.kto == b.kto,
        b_path, " was scored with another tokenizer, --seq-length or --ld-alpha than ", a_path,
        "; they cannot be joined");
}

}  // namespace

ShardRange shard_range(int64_t total, int64_t batch, int index, int count) {
  check(count >= 1 && index >= 0 && index < count, "--shard ", index, "/", count, ": expected I/N with 0 <= I < N");
  batch = std::max<int64_t>(1, batch);
  const int64_t batches = (total + batch - 1) / batch;
  auto edge = [&](int64_t k) { return std::min(total, (batches * k / count) * batch); };
  return {edge(index), edge(index + 1)};
}

ScoredPairsFile join_scored_pairs(const std::vector<std::string>& paths) {
  check(!paths.empty(), "no scored-pairs files to join");
  std::vector<ScoredPairsFile> files;
  for (const auto& p : paths) files.push_back(read_scored_pairs(p));
  for (size_t i = 1; i < files.size(); ++i) check_compatible(files[0].header, files[i].header, paths[0], paths[i]);
  ScoredPairsFile out;
  out.header = files[0].header;
  out.header.shard_index = 0;
  out.header.shard_count = 1;
  const int n = files[0].header.shard_count;
  if (n == 1) {
    for (size_t i = 0; i < files.size(); ++i) {
      check(files[i].header.shard_count == 1, paths[i], " is a shard; join it with the other shards of its run");
      for (auto& p : files[i].pairs) out.pairs.push_back(std::move(p));
    }
    return out;
  }
  const int64_t total = files[0].header.shard_total;
  check(static_cast<int>(files.size()) == n, paths[0], " is shard ", files[0].header.shard_index, " of ", n, " but ",
        files.size(), " files were given; pass all ", n, " shards");
  std::vector<ScoredPairsFile*> by_index(n, nullptr);
  for (size_t i = 0; i < files.size(); ++i) {
    const ScoredPairsHeader& h = files[i].header;
    check(h.shard_count == n && h.shard_total == total, paths[i], " is shard ", h.shard_index, "/", h.shard_count,
          " of ", h.shard_total, " pairs, not of the same run as ", paths[0], " (", n, " shards of ", total, ")");
    check(!by_index[h.shard_index], paths[i], ": shard ", h.shard_index, " of ", n, " was given twice");
    by_index[h.shard_index] = &files[i];
  }
  int64_t at = 0;  // the shards' ranges must tile [0, total) in shard order
  for (int s = 0; s < n; ++s) {
    check(by_index[s], "shard ", s, " of ", n, " is missing");
    const ScoredPairsHeader& h = by_index[s]->header;
    const int64_t size = static_cast<int64_t>(by_index[s]->pairs.size());
    check(h.shard_begin == at && h.shard_end - h.shard_begin == size, "shard ", s, "/", n, " holds ", size,
          " pairs of input range [", h.shard_begin, ", ", h.shard_end, "); expected a range starting at ", at,
          " with one scored pair per input pair (is it incomplete?)");
    at = h.shard_end;
    for (auto& p : by_index[s]->pairs) out.pairs.push_back(std::move(p));
  }
  check(at == total, "the ", n, " shards cover input pairs [0, ", at, ") of ", total);
  return out;
}

long merge_shard_files(const std::vector<std::string>& paths, const std::string& out_path) {
  check(!paths.empty(), "lpo merge: no shard files given");
  if (is_scored_pairs(paths[0])) {
    ScoredPairsFile joined = join_scored_pairs(paths);
    write_scored_pairs(out_path, joined.header, joined.pairs);
    return static_cast<long>(joined.pairs.size());
  }
  std::vector<std::vector<std::string>> shards;
  for (const auto& p : paths) shards.push_back(nonblank_lines(p));
  std::vector<std::string> lines = by_sample_index(shards, paths);
  if (lines.empty()) lines = interleave_shards(std::move(shards), paths);
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  write_file_atomic(out_path, text);
  return static_cast<long>(lines.size());
}

}  // namespace lpo::pipeline
