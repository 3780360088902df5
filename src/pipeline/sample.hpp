// Candidate generation (the seed's first data step, done there with vLLM): sample N responses
// per prompt from the SFT model and write the seed's candidate schema, which `lpo select-pairs`
// and the pair reader take.
#pragma once
#include <string>
#include <vector>

#include "generation/generate.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo::pipeline {

struct SampleOptions {
  int num_candidates = 3;                 // the seed samples 3 at temperature 1.0, top-p 1.0
  GenerateOptions generate;               // temperature, top-p, top-k, max_new_tokens, stop ids, seed
  std::vector<std::string> stop_strings;  // the text is cut before the first one found
  ChatFormat chat = ChatFormat::plain;    // how `prompt`/`question`/`messages` become model_input
  int shard_index = 0, shard_count = 1;   // this process samples prompts i with i % count == index
};

struct SampleReport {
  long prompts = 0, candidates = 0, new_tokens = 0;
  double seconds = 0;
};

/// Reads prompts JSONL and writes one line per prompt of this shard: the input object plus
/// `model_input` (the prompt text as the model saw it), `better_context` (the gold answer when
/// the line has one: `better_context`, `answer`, `reference` or `chosen`) and `candidate_set`
/// (num_candidates decoded strings) and `sample_index` (the prompt's 0-based place among the
/// input's lines, so `lpo merge` can restore input order from shards). Prompt fields: `model_input`, `prompt`, `question`, or
/// `messages` (chat-formatted). Prompt i is sampled with seed (generate.seed, i), so outputs do
/// not depend on sharding or batching. Output is written atomically. Throws lpo::Error
/// "file:line: ..." for a line without a prompt.
SampleReport sample_candidates(const Transformer& model, const Tokenizer& tokenizer, const std::string& in_path,
                               const std::string& out_path, const SampleOptions& options);

}  // namespace lpo::pipeline
