// The trainer tests' fixture: a tiny random model with its tokenizer, 32 scored arithmetic
// pairs (reference = the initial model), an lpo-ste config, and the logged losses of a run.
#pragma once
#include <filesystem>
#include <fstream>

#include "data/encode_pairs.hpp"
#include "data/pair_dataset.hpp"
#include "data/scored_pairs.hpp"
#include "data/synthetic_arithmetic.hpp"
#include "model/runtime.hpp"
#include "model/transformer.hpp"
#include "objectives/response_logps.hpp"
#include "objectives/batch.hpp"
#include "test_support.hpp"
#include "tokenizer/byte_level_vocab.hpp"
#include "tokenizer/tokenizer.hpp"
#include "training/checkpoint.hpp"
#include "training/data_order.hpp"
#include "training/preference_task.hpp"
#include "training/trainer.hpp"
#include "util/files.hpp"
#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace lpo::training {

struct Fixture {
  std::string dir, model_dir;
  std::vector<ScoredPair> pairs;
  VectorPairSource source() const { return VectorPairSource(pairs); }
};

// A tiny model + 32 scored arithmetic pairs (reference = the initial model).
inline Fixture make_fixture(const std::string& dir) {
  set_threads(1);  // fixed thread count: bit-for-bit reproducible runs
  Fixture f{dir, dir + "/init", {}};
  std::filesystem::create_directories(f.model_dir);
  write_file_atomic(f.model_dir + "/tokenizer.json", byte_level_tokenizer_json({"<|endoftext|>"}).dump());
  write_file_atomic(f.model_dir + "/tokenizer_config.json", R"({"eos_token": "<|endoftext|>"})");
  auto tok = load_tokenizer(f.model_dir);
  ModelConfig config = preset_config("tiny", tok->vocab_size());
  config.hidden_size = 32;
  config.intermediate_size = 64;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  Transformer model(config);
  model.init_random(3);
  save_model(model, f.model_dir);
  auto tokens = encode_pairs(make_arithmetic_pairs(32, 5), *tok, EncodeOptions{});
  at::NoGradGuard no_grad;
  for (const auto& t : tokens) {
    std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>> rows{{&t.prompt, &t.chosen},
                                                                                         {&t.prompt, &t.rejected}};
    auto lp = objectives::response_logps(model, collate_sequences(rows));
    ScoredPair s{t, {lp.sum[0].item<double>(), lp.sum[1].item<double>(), static_cast<int32_t>(t.chosen.size()),
                     static_cast<int32_t>(t.rejected.size())}};
    f.pairs.push_back(s);
  }
  return f;
}

inline TrainConfig lpo_config(const Fixture& f, const std::string& save, int64_t iters) {
  TrainConfig c;
  c.model = f.model_dir;
  c.save = save;
  c.load = save;
  c.loss.type = "lpo-ste";
  c.loss.add_sft_loss = true;
  c.loss.is_average = true;
  c.optim.lr = 3e-3;
  c.optim.lr_warmup_iters = 2;
  c.train_iters = iters;
  c.micro_batch_size = 4;
  c.global_batch_size = 8;
  c.save_interval = 0;
  c.progress = false;
  return c;
}

inline std::vector<double> logged_losses(const std::string& metrics_path) {
  std::vector<double> out;
  for_each_json_line(metrics_path, [&](const nlohmann::json& j, long) { out.push_back(j.at("loss").get<double>()); });
  return out;
}

}  // namespace lpo::training
