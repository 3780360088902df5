// --adapter DIR: a PEFT LoRA adapter (io/peft_adapter.hpp) applied on top of --model, for the
// commands that run a model (score, generate, sample, eval, ref-logprobs).
#pragma once
#include <CLI/CLI.hpp>

#include <string>

#include <filesystem>

#include "io/peft_adapter.hpp"
#include "model/transformer.hpp"
#include "training/checkpoint.hpp"
#include "util/log.hpp"

namespace lpo::cli {

inline void add_adapter_flag(CLI::App& app, std::string& adapter) {
  app.add_option("--adapter", adapter,
                 "PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors) applied on "
                 "top of --model, or a LoRA --save directory (its latest checkpoint)");
}

/// `adapter` itself, or the latest checkpoint when it is a LoRA --save directory.
inline std::string resolve_adapter_dir(const std::string& adapter) {
  if (!is_lora_adapter_dir(adapter) && std::filesystem::exists(std::filesystem::path(adapter) / "latest"))
    return training::latest_checkpoint(adapter);
  return adapter;
}

/// load_model(model, device, dtype), then the adapter when `adapter` is not empty (a --save
/// directory: its latest checkpoint; float32
/// adapters on a base of any dtype). Throws lpo::Error as load_model and Transformer::load_lora.
inline Transformer load_model_with_adapter(const std::string& model, const std::string& adapter, c10::Device device,
                                           at::ScalarType dtype) {
  Transformer m = load_model(model, device, dtype);
  if (!adapter.empty()) {
    const std::string dir = resolve_adapter_dir(adapter);
    m.load_lora(dir);
    log::info("LoRA adapter ", dir, ": r ", m.lora()->r, ", scale ", m.lora()->scale(), ", ",
              m.named_adapters().size() / 2, " layers");
  }
  return m;
}

}  // namespace lpo::cli
