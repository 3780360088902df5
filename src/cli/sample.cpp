// `lpo sample`: N candidate responses per prompt, in the seed's candidate schema.
#include <cstdlib>
#include <iostream>

#include "cli/adapter_flag.hpp"
#include "cli/command.hpp"
#include "cli/local_launch.hpp"
#include "cli/rank_shards.hpp"
#include "model/runtime.hpp"
#include "pipeline/sample.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/stop_signal.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  ComputeFlags compute;
  std::string model, data, out, chat = "auto", shard = "0/1";
  std::string adapter;
  int nproc_per_node = 1, dist_timeout_s = 600;
  pipeline::SampleOptions options;
};

Register reg("sample", "sample candidate responses per prompt (the seed's candidate schema)", [](CLI::App& app) -> Runner {
  auto f = std::make_shared<Flags>();
  auto& o = f->options;
  o.generate.temperature = 1.0;
  o.generate.max_new_tokens = 256;
  app.add_option("--model", f->model, "model directory (with its tokenizer)")->required();
  add_adapter_flag(app, f->adapter);
  app.add_option("--data", f->data, "prompts JSONL: model_input, prompt, question or messages")->required();
  app.add_option("--out", f->out, "candidates JSONL to write")->required();
  app.add_option("--num-candidates", o.num_candidates)->capture_default_str();
  app.add_option("--temperature", o.generate.temperature, "0 = greedy")->capture_default_str();
  app.add_option("--top-p", o.generate.top_p)->capture_default_str();
  app.add_option("--top-k", o.generate.top_k, "0 = no limit")->capture_default_str();
  app.add_option("--max-new-tokens", o.generate.max_new_tokens)->capture_default_str();
  app.add_option("--stop-ids", o.generate.stop_ids, "ids that end a candidate (default: config eos)")->delimiter(',');
  app.add_option("--stop", o.stop_strings, "strings that end a candidate (text is cut there)");
  app.add_option("--seed", o.generate.seed)->capture_default_str();
  app.add_option("--chat-format", f->chat, "auto|template|plain|chatml for prompt/question/messages (auto: the model's chat template when it has one, else plain)")->capture_default_str();
  app.add_option("--shard", f->shard, "I/N: sample every N-th prompt starting at I")->capture_default_str();
  app.add_option("--nproc-per-node", f->nproc_per_node, "start N local ranks, each sampling a shard; rank 0 merges")
      ->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--dist-timeout", f->dist_timeout_s, "seconds ranks wait for each other")->capture_default_str();
  add_compute_flags(app, f->compute);
  return [f] {
    StopSignal stop;  // the first SIGTERM/SIGINT ends the run at a batch boundary, writing nothing
    if (f->nproc_per_node > 1 && !std::getenv("WORLD_SIZE")) return launch_local_workers(f->nproc_per_node, 10);
    apply_compute_flags(f->compute);
    run_rank_shards(f->shard, f->out, f->dist_timeout_s, [&](int index, int count, const std::string& out) {
      auto o = f->options;
      o.shard_index = index;
      o.shard_count = count;
      o.chat = resolve_chat_format(f->chat, f->model);
      Transformer model = load_model_with_adapter(f->model, f->adapter, compute_device(f->compute), compute_dtype(f->compute));
      if (o.generate.stop_ids.empty()) o.generate.stop_ids = model.config().eos_token_ids;
      auto tokenizer = load_tokenizer(f->model);
      auto r = pipeline::sample_candidates(model, *tokenizer, f->data, out, o);
      log::info("sampled ", r.candidates, " candidates for ", r.prompts, " prompts: ", r.new_tokens, " tokens in ",
                r.seconds, " s (", r.new_tokens / std::max(r.seconds, 1e-9), " tokens/s)");
    });
    return 0;
  };
});

}  // namespace
}  // namespace lpo::cli
