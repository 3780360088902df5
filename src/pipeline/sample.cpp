#include "pipeline/sample.hpp"

#include <chrono>

#include "util/error.hpp"
#include "util/files.hpp"
#include "util/jsonl.hpp"
#include "util/progress.hpp"
#include "util/stop_signal.hpp"

namespace lpo::pipeline {
namespace {

std::string prompt_text(const nlohmann::json& j, ChatFormat chat, const std::string& where) {
  if (j.contains("model_input")) return j.at("model_input").get<std::string>();  // already formatted
  for (const char* key : {"prompt", "question"})
    if (j.contains(key) && j[key].is_string()) return format_prompt(chat, {{"user", j[key].get<std::string>()}});
  if (j.contains("messages") && j["messages"].is_array()) {
    std::vector<ChatMessage> messages;
    for (const auto& m : j["messages"]) messages.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>()});
    return format_prompt(chat, messages);
  }
  fail(where, ": no prompt: expected a string field 'model_input', 'prompt' or 'question', or 'messages'");
}

std::string cut_at_stop(std::string text, const std::vector<std::string>& stops) {
  for (const auto& s : stops) {
    const size_t at = text.find(s);
    if (!s.empty() && at != std::string::npos) text.resize(at);
  }
  return text;
}

}  // namespace

SampleReport sample_candidates(const Transformer& model, const Tokenizer& tokenizer, const std::string& in_path,
                               const std::string& out_path, const SampleOptions& o) {
  check(o.num_candidates >= 1, "--num-candidates must be at least 1");
  check(o.shard_count >= 1 && o.shard_index >= 0 && o.shard_index < o.shard_count, "--shard ", o.shard_index, "/",
        o.shard_count, ": expected I/N with 0 <= I < N");
  const auto t0 = std::chrono::steady_clock::now();
  SampleReport report;
  std::string out;
  long index = -1;
  for_each_json_line(in_path, [&](const nlohmann::json& line, long line_number) {
    if (++index % o.shard_count != o.shard_index) return;
    throw_if_stopped("sample, after " + std::to_string(report.prompts) + " prompts; nothing was written");
    const std::string where = in_path + ":" + std::to_string(line_number);
    check(line.is_object(), where, ": expected a JSON object");
    nlohmann::json record = line;
    record["model_input"] = prompt_text(line, o.chat, where);
    for (const char* key : {"better_context", "answer", "reference", "chosen"})
      if (!record.contains("better_context") && line.contains(key) && line[key].is_string())
        record["better_context"] = line[key];
    std::vector<int32_t> ids = tokenizer.encode(record["model_input"].get<std::string>());
    check(!ids.empty(), where, ": the prompt encodes to no tokens");
    GenerateOptions g = o.generate;
    g.seed = o.generate.seed * 1000003ULL + static_cast<uint64_t>(index);  // per prompt: shard-invariant
    g.batch_size = o.num_candidates;
    auto outputs = generate(model, std::vector<std::vector<int32_t>>(o.num_candidates, ids), g);
    nlohmann::json candidates = nlohmann::json::array();
    for (const auto& ids_out : outputs) {
      candidates.push_back(cut_at_stop(tokenizer.decode(ids_out, /*skip_special=*/true), o.stop_strings));
      report.new_tokens += static_cast<long>(ids_out.size());
    }
    record["candidate_set"] = candidates;
    record["sample_index"] = index;  // the prompt's place in the input: `lpo merge` orders shards by it
    // Sampled byte-level tokens can end mid-character: invalid UTF-8 becomes U+FFFD.
    out += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    ++report.prompts;
    report.candidates += o.num_candidates;
  });
  write_file_atomic(out_path, out);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace lpo::pipeline
