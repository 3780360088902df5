// LoRA adapters in PEFT's on-disk format (huggingface/peft, LoraConfig and save_pretrained):
//
//   DIR/adapter_config.json         {"peft_type": "LORA", "r", "lora_alpha", "lora_dropout",
//                                    "target_modules", "use_rslora", "bias": "none",
//                                    "task_type": "CAUSAL_LM", "base_model_name_or_path", ...}
//   DIR/adapter_model.safetensors   base_model.model.<module>.lora_A.weight [r, in]
//                                   base_model.model.<module>.lora_B.weight [out, r]
//
// where <module> is the HF name of the wrapped linear layer without ".weight"
// (model.layers.N.self_attn.q_proj). The adapted layer computes y = x Wᵀ + s·(x Aᵀ) Bᵀ with
// s = lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora (PEFT LoraLayer.update_layer;
// Kalajdzievski 2023, "A Rank Stabilization Scaling Factor for Fine-Tuning with LoRA").
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lpo {

/// PEFT's module names of the linear layers an adapter may wrap, in layer order.
inline const std::vector<std::string>& lora_linear_modules() {
  static const std::vector<std::string> names{"q_proj", "k_proj", "v_proj", "o_proj",
                                              "gate_proj", "up_proj", "down_proj"};
  return names;
}

struct LoraConfig {
  int64_t r = 8;
  double alpha = 8.0;    // lora_alpha
  double dropout = 0.0;  // lora_dropout: on the adapter's input, training only
  std::vector<std::string> target_modules;  // subset of lora_linear_modules(), in that order
  bool use_rslora = false;
  std::string base_model;  // base_model_name_or_path
  std::vector<int64_t> layers;  // layers_to_transform: decoder layers with adapters (empty: all)

  /// s = alpha / r, or alpha / sqrt(r) with use_rslora (PEFT LoraLayer.update_layer).
  double scale() const;
  /// Throws lpo::Error (naming `where` and the field) unless r > 0, 0 <= dropout < 1 and every
  /// target module is one of lora_linear_modules().
  void validate(const std::string& where) const;
};

/// "all-linear" or a comma-separated list of PEFT module names (either order, duplicates
/// ignored) -> the modules in lora_linear_modules() order. Throws lpo::Error naming `flag`
/// for an unknown name or an empty list.
std::vector<std::string> parse_lora_target_modules(const std::string& list, const std::string& flag);

/// Reads DIR/adapter_config.json. target_modules may be a list or the string "all-linear"
/// (or one module name). Throws lpo::Error naming the file and field for a missing file,
/// peft_type other than LORA, bias other than "none", fan_in_fan_out, use_dora, a regex
/// target_modules, or values validate() rejects. Entries of target_modules may be dotted
/// suffixes ("self_attn.q_proj"), as PEFT matches them; layers_to_transform (an int or a list)
/// restricts the adapters to those decoder layers.
LoraConfig read_lora_config(const std::string& dir);

/// DIR/adapter_model.safetensors as {module name + ".lora_A.weight" / ".lora_B.weight" ->
/// float32 CPU tensor}, the "base_model.model." prefix removed (so names read
/// model.layers.N.self_attn.q_proj.lora_A.weight). Throws lpo::Error naming the file for a
/// missing file or a tensor without that prefix.
std::map<std::string, at::Tensor> read_lora_tensors(const std::string& dir);

/// Writes adapter_config.json and adapter_model.safetensors (float32; each atomically) into
/// `dir` (created if missing). `tensors` are named as read_lora_tensors returns them.
void write_lora_adapter(const std::string& dir, const LoraConfig& config,
                        const std::vector<std::pair<std::string, at::Tensor>>& tensors);

/// True when `dir` holds an adapter_config.json.
bool is_lora_adapter_dir(const std::string& dir);

}  // namespace lpo
