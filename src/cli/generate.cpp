// `lpo generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) --max-new-tokens N
//  [--temperature T] [--top-p P] [--top-k K] [--seed S]`: prints the new ids as a JSON array,
// then their text when the model directory has a tokenizer.
#include <iostream>

#include "cli/adapter_flag.hpp"
#include "cli/command.hpp"
#include "cli/model_text.hpp"
#include "generation/generate.hpp"
#include "model/runtime.hpp"
#include "util/error.hpp"

namespace lpo::cli {
namespace {

struct GenerateFlags {
  ComputeFlags compute;
  std::string model, prompt;
  std::string adapter;
  std::vector<int32_t> prompt_ids;
  std::vector<int32_t> stop_ids;
  bool no_stop = false, no_bos = false;
  GenerateOptions options;
};

Register reg("generate", "continue a prompt with a model (greedy or sampled)", [](CLI::App& app) -> Runner {
  auto f = std::make_shared<GenerateFlags>();
  f->options.max_new_tokens = 64;
  add_compute_flags(app, f->compute);
  app.add_option("--model", f->model, "model directory")->required();
  add_adapter_flag(app, f->adapter);
  auto* text = app.add_option("--prompt", f->prompt, "prompt text (needs a tokenizer in the model directory)");
  auto* ids = app.add_option("--prompt-ids", f->prompt_ids, "prompt token ids, comma-separated")->delimiter(',');
  text->excludes(ids);
  app.add_option("--max-new-tokens", f->options.max_new_tokens, "most tokens to add")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--temperature", f->options.temperature, "0 = greedy")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--top-p", f->options.top_p, "nucleus sampling mass")->capture_default_str();
  app.add_option("--top-k", f->options.top_k, "sample among the k best (0 = all)")->capture_default_str();
  app.add_option("--seed", f->options.seed, "sampling seed")->capture_default_str();
  app.add_option("--stop-ids", f->stop_ids, "ids that end generation (default: config eos_token_id)")
      ->delimiter(',');
  app.add_flag("--no-stop", f->no_stop, "ignore eos_token_id: always generate --max-new-tokens");
  app.add_flag("--no-bos", f->no_bos, "do not put the config's BOS before --prompt text");
  return [f] {
    apply_compute_flags(f->compute);
    Transformer model = load_model_with_adapter(f->model, f->adapter, compute_device(f->compute), compute_dtype(f->compute));
    auto tokenizer = model_tokenizer(f->model);
    std::vector<int32_t> prompt = f->prompt_ids;
    if (prompt.empty()) {
      check(!f->prompt.empty(), "give --prompt TEXT or --prompt-ids 1,2,3");
      check(tokenizer != nullptr, "--prompt needs a tokenizer in ", f->model, "; use --prompt-ids");
      prompt = encode_for_model(*tokenizer, model.config(), f->prompt, !f->no_bos);
    }
    GenerateOptions options = f->options;
    options.stop_ids = f->stop_ids.empty() && !f->no_stop ? model.config().eos_token_ids : f->stop_ids;
    auto out = generate(model, {prompt}, options)[0];
    std::cout << nlohmann::json(out).dump() << "\n";
    if (tokenizer) std::cout << tokenizer->decode(out, /*skip_special=*/true) << "\n";
    return 0;
  };
});

}  // namespace
}  // namespace lpo::cli
