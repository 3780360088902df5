// `lpo score --model DIR`: stdin one JSON object per line with "ids" (or "text" when the model
// directory has a tokenizer) -> stdout one JSON object per line:
// {"sum_logprob", "mean_logprob", "num_tokens", "last_top5": [[id, logit], ...]}, where the
// log-probs (nats) are those of ids[1:] given their prefixes and num_tokens = len(ids) - 1.
#include <iostream>

#include "cli/adapter_flag.hpp"
#include "cli/command.hpp"
#include "cli/model_text.hpp"
#include "model/runtime.hpp"
#include "model/score.hpp"
#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace lpo::cli {
namespace {

struct ScoreFlags {
  ComputeFlags compute;
  std::string model;
  std::string adapter;
  int batch_size = 8;
  bool no_bos = false;
};

std::vector<int32_t> line_ids(const nlohmann::json& j, long line, const Tokenizer* tokenizer, const ModelConfig& config,
                              bool add_bos) {
  check(j.is_object(), "stdin:", line, ": expected a JSON object with \"ids\" or \"text\"");
  if (j.contains("ids")) {
    check(j["ids"].is_array(), "stdin:", line, ": \"ids\" must be an array of integers");
    std::vector<int32_t> ids;
    for (const auto& v : j["ids"]) {
      check(v.is_number_integer(), "stdin:", line, ": \"ids\" must be an array of integers");
      ids.push_back(v.get<int32_t>());
    }
    check(!ids.empty(), "stdin:", line, ": \"ids\" is empty");
    return ids;
  }
  check(j.contains("text") && j["text"].is_string(), "stdin:", line, ": expected \"ids\" or \"text\"");
  check(tokenizer != nullptr, "stdin:", line, ": \"text\" needs a tokenizer in the model directory");
  auto ids = encode_for_model(*tokenizer, config, j["text"].get<std::string>(), add_bos);
  check(!ids.empty(), "stdin:", line, ": \"text\" encodes to no tokens");
  return ids;
}

void flush(const Transformer& model, std::vector<std::vector<int32_t>>& pending, std::vector<long>& lines, int batch) {
  std::vector<SequenceScore> scores;
  try {
    scores = score_sequences(model, pending, batch, 5);
  } catch (const Error& e) {
    fail("stdin lines ", lines.front(), "-", lines.back(), ": ", e.what());
  }
  for (const auto& s : scores) {
    nlohmann::ordered_json top = nlohmann::ordered_json::array();
    for (const auto& [id, logit] : s.last_top) top.push_back({id, logit});
    nlohmann::ordered_json out = {
        {"sum_logprob", s.sum_logprob},
        {"mean_logprob", s.num_tokens ? nlohmann::ordered_json(s.sum_logprob / s.num_tokens) : nlohmann::ordered_json()},
                          {"num_tokens", s.num_tokens},
                          {"last_top5", top}};
    std::cout << out.dump() << "\n";
  }
  std::cout.flush();
  pending.clear();
  lines.clear();
}

Register reg("score", "log-probabilities of token sequences (JSONL on stdin) under a model", [](CLI::App& app) -> Runner {
  auto flags = std::make_shared<ScoreFlags>();
  add_compute_flags(app, flags->compute);
  app.add_option("--model", flags->model, "model directory (config.json + safetensors)")->required();
  add_adapter_flag(app, flags->adapter);
  app.add_option("--batch-size", flags->batch_size, "sequences per forward pass")->check(CLI::PositiveNumber);
  app.add_flag("--no-bos", flags->no_bos, "do not put the config's BOS before \"text\" inputs");
  return [flags] {
    apply_compute_flags(flags->compute);
    Transformer model = load_model_with_adapter(flags->model, flags->adapter, compute_device(flags->compute), compute_dtype(flags->compute));
    auto tokenizer = model_tokenizer(flags->model);
    std::vector<std::vector<int32_t>> pending;
    std::vector<long> lines;
    std::string text;
    for (long line = 1; std::getline(std::cin, text); ++line) {
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json j = parse_json_line(text, "stdin", line);
      pending.push_back(line_ids(j, line, tokenizer.get(), model.config(), !flags->no_bos));
      lines.push_back(line);
      if (static_cast<int>(pending.size()) == flags->batch_size) flush(model, pending, lines, flags->batch_size);
    }
    if (!pending.empty()) flush(model, pending, lines, flags->batch_size);
    return 0;
  };
});

}  // namespace
}  // namespace lpo::cli
