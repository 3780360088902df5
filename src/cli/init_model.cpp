// `lpo init-model --out DIR --tokenizer PATH [--preset tiny|small] [size overrides] [--seed S]
//  [--dtype float32|bfloat16]`: a randomly initialised model directory in the HF layout
// (config.json, model.safetensors, the tokenizer files), vocab_size and bos/eos from the tokenizer.
#include <filesystem>
#include <iostream>

#include "cli/command.hpp"
#include "model/runtime.hpp"
#include "model/transformer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace lpo::cli {
namespace {
namespace fs = std::filesystem;

struct InitFlags {
  ComputeFlags compute;
  std::string out, tokenizer, preset = "tiny", model_type, dtype = "float32";
  int64_t hidden = 0, intermediate = 0, layers = 0, heads = 0, kv_heads = 0;
  uint64_t seed = 0;
  double init_std = 0.02;
};

ModelConfig build_config(const InitFlags& f, const Tokenizer& tok) {
  ModelConfig c = preset_config(f.preset, tok.vocab_size());
  if (!f.model_type.empty()) {
    check(f.model_type == "qwen2" || f.model_type == "llama", "--model-type: expected qwen2 or llama, got '",
          f.model_type, "'");
    c.model_type = f.model_type;
    c.attention_bias = f.model_type == "qwen2";
  }
  if (f.hidden) c.hidden_size = f.hidden;
  if (f.intermediate) c.intermediate_size = f.intermediate;
  if (f.layers) c.num_hidden_layers = f.layers;
  if (f.heads) c.num_attention_heads = f.heads;
  if (f.kv_heads) c.num_key_value_heads = f.kv_heads;
  else if (f.heads) c.num_key_value_heads = std::min(c.num_key_value_heads, f.heads);
  check(c.hidden_size % c.num_attention_heads == 0, "--hidden-size ", c.hidden_size,
        " must be a multiple of --num-heads ", c.num_attention_heads);
  c.head_dim = c.hidden_size / c.num_attention_heads;
  if (auto bos = tok.bos_id()) c.bos_token_id = *bos;
  if (auto eos = tok.eos_id()) c.eos_token_ids = {*eos};
  c.validate("init-model flags");
  return c;
}

// Copies the tokenizer files (tokenizer.json / tokenizer.model, tokenizer_config.json,
// special_tokens_map.json, chat_template.jinja/.json) from a file's directory or a directory into `out`.
void copy_tokenizer_files(const std::string& source, const std::string& out) {
  fs::path src(source);
  std::vector<fs::path> files;
  if (fs::is_directory(src)) {
    for (const char* name : {"tokenizer.json", "tokenizer.model"})
      if (fs::exists(src / name)) files.push_back(src / name);
    src /= "tokenizer.json";  // siblings below are looked up next to it
  } else {
    files.push_back(src);
  }
  for (const char* name : {"tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "chat_template.json"})
    if (fs::exists(src.parent_path() / name)) files.push_back(src.parent_path() / name);
  for (const auto& file : files) {
    std::string target_name = file.filename().string();
    if (file == fs::path(source)) target_name = file.extension() == ".model" ? "tokenizer.model" : "tokenizer.json";
    fs::copy_file(file, fs::path(out) / target_name, fs::copy_options::overwrite_existing);
  }
}

Register reg("init-model", "write a randomly initialised model directory for a tokenizer", [](CLI::App& app) -> Runner {
  auto f = std::make_shared<InitFlags>();
  add_compute_flags(app, f->compute, /*threads_only=*/true);
  app.add_option("--out", f->out, "output directory")->required();
  app.add_option("--tokenizer", f->tokenizer, "tokenizer.json, tokenizer.model or a directory holding one")
      ->required();
  app.add_option("--preset", f->preset, "tiny or small")->capture_default_str();
  app.add_option("--model-type", f->model_type, "qwen2 (q/k/v biases) or llama");
  app.add_option("--hidden-size", f->hidden);
  app.add_option("--intermediate-size", f->intermediate);
  app.add_option("--num-layers", f->layers);
  app.add_option("--num-heads", f->heads);
  app.add_option("--num-kv-heads", f->kv_heads);
  app.add_option("--seed", f->seed)->capture_default_str();
  app.add_option("--init-std", f->init_std, "std of the normal init")->capture_default_str();
  app.add_option("--dtype", f->dtype, "float32 or bfloat16 (on disk)")->capture_default_str();
  return [f] {
    apply_compute_flags(f->compute);
    check(f->dtype == "float32" || f->dtype == "bfloat16", "--dtype: expected float32 or bfloat16, got '",
          f->dtype, "'");
    auto tokenizer = load_tokenizer(f->tokenizer);
    ModelConfig config = build_config(*f, *tokenizer);
    Transformer model(config);
    model.init_random(f->seed, f->init_std);
    fs::create_directories(f->out);
    save_model(model, f->out, f->dtype == "bfloat16" ? at::kBFloat16 : at::kFloat);
    copy_tokenizer_files(f->tokenizer, f->out);
    log::info("wrote ", f->out, ": ", config.model_type, ", ", model.num_parameters(), " parameters, vocab ",
              config.vocab_size);
    return 0;
  };
});

}  // namespace
}  // namespace lpo::cli
