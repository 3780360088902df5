// `lpo init-model --out DIR --tokenizer PATH [--preset NAME] [size overrides] [--seed S]
//  [--dtype float32|bfloat16] [--max-shard-mb N] [--config-only]`: a randomly initialised model
// directory in the HF layout (config.json, model.safetensors or shards, the tokenizer files),
// bos/eos from the tokenizer and vocab_size large enough for it.
#include <filesystem>
#include <iostream>

#include "cli/command.hpp"
#include "model/runtime.hpp"
#include "model/transformer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/log.hpp"

namespace lpo::cli {
namespace {
namespace fs = std::filesystem;

struct InitFlags {
  ComputeFlags compute;
  std::string out, tokenizer, preset = "tiny", model_type, dtype;
  int64_t hidden = 0, intermediate = 0, layers = 0, heads = 0, kv_heads = 0, max_shard_mb = 0, vocab = 0;
  uint64_t seed = 0;
  double init_std = 0.02;
  bool config_only = false;
};

// The preset with the flags' overrides, applied to its config.json and parsed again, so every
// derived field (windows per layer, head_dim, family switches) follows the new shape.
ModelConfig build_config(const InitFlags& f, const Tokenizer& tok) {
  nlohmann::json j = preset_config(f.preset, tok.vocab_size()).to_json();
  if (!f.model_type.empty()) {
    j["model_type"] = f.model_type;
    j.erase("architectures");
    j.erase("hidden_act");  // the new family's own activation
  }
  auto set = [&](const char* key, int64_t value) {
    if (value) j[key] = value;
  };
  if (f.vocab) {
    check(f.vocab >= tok.vocab_size(), "--vocab-size ", f.vocab, " is smaller than the tokenizer's ", tok.vocab_size());
    j["vocab_size"] = f.vocab;
  }
  set("hidden_size", f.hidden);
  set("intermediate_size", f.intermediate);
  set("num_attention_heads", f.heads);
  set("num_key_value_heads", f.kv_heads);
  if (!f.kv_heads && f.heads) j["num_key_value_heads"] = std::min(j["num_key_value_heads"].get<int64_t>(), f.heads);
  if (f.layers && f.layers != j["num_hidden_layers"].get<int64_t>()) {
    j["num_hidden_layers"] = f.layers;
    j.erase("layer_types");  // the family's own rule lays out the new depth
    if (j.contains("max_window_layers")) j["max_window_layers"] = f.layers;
  }
  if (f.hidden || f.heads) {
    const int64_t hidden = j["hidden_size"].get<int64_t>(), heads = j["num_attention_heads"].get<int64_t>();
    check(hidden % heads == 0, "--hidden-size ", hidden, " must be a multiple of --num-heads ", heads);
    j["head_dim"] = hidden / heads;
  }
  if (auto bos = tok.bos_id()) j["bos_token_id"] = *bos;
  if (auto eos = tok.eos_id()) j["eos_token_id"] = *eos;
  return ModelConfig::from_json(j, "init-model flags (--preset " + f.preset + ")");
}

at::ScalarType disk_dtype(const InitFlags& f, const ModelConfig& c) {
  const std::string name = f.dtype.empty() ? c.torch_dtype : f.dtype;
  check(name == "float32" || name == "bfloat16", "--dtype: expected float32 or bfloat16, got '", name, "'");
  return name == "bfloat16" ? at::kBFloat16 : at::kFloat;
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
  app.add_option("--preset", f->preset, "architecture: " + preset_names() + " (real names: the released "
                 "config.json with random weights)")->capture_default_str();
  app.add_option("--model-type", f->model_type, "change the preset's family: " + supported_model_types());
  app.add_option("--hidden-size", f->hidden);
  app.add_option("--intermediate-size", f->intermediate);
  app.add_option("--num-layers", f->layers);
  app.add_option("--num-heads", f->heads);
  app.add_option("--num-kv-heads", f->kv_heads);
  app.add_option("--vocab-size", f->vocab, "embedding rows (>= the tokenizer's; default: the preset's, or the "
                 "tokenizer's for tiny/small)");
  app.add_option("--seed", f->seed)->capture_default_str();
  app.add_option("--init-std", f->init_std, "std of the normal init")->capture_default_str();
  app.add_option("--dtype", f->dtype, "float32 or bfloat16 on disk (default: the preset's torch_dtype)");
  app.add_option("--max-shard-mb", f->max_shard_mb, "split the weights into HF shards of at most this many MiB");
  app.add_flag("--config-only", f->config_only, "write config.json and the tokenizer files, no weights");
  return [f] {
    apply_compute_flags(f->compute);
    check(f->max_shard_mb >= 0, "--max-shard-mb must be >= 0");
    auto tokenizer = load_tokenizer(f->tokenizer);
    ModelConfig config = build_config(*f, *tokenizer);
    const at::ScalarType dtype = disk_dtype(*f, config);
    config.torch_dtype = dtype == at::kBFloat16 ? "bfloat16" : "float32";
    fs::create_directories(f->out);
    copy_tokenizer_files(f->tokenizer, f->out);
    if (f->config_only) {
      write_file_atomic(f->out + "/config.json", config.to_json().dump(2) + "\n");
      log::info("wrote ", f->out, "/config.json: ", config.model_type, " (no weights)");
      return 0;
    }
    Transformer model(config, at::kCPU, dtype);  // built in the disk dtype: no float32 copy of a big model
    model.init_random(f->seed, f->init_std);
    save_model(model, f->out, dtype, static_cast<uint64_t>(f->max_shard_mb) << 20);
    log::info("wrote ", f->out, ": ", config.model_type, ", ", model.num_parameters(), " parameters, vocab ",
              config.vocab_size, ", ", config.torch_dtype);
    return 0;
  };
});

}  // namespace
}  // namespace lpo::cli
