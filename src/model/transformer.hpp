// The decoder-only transformer of every supported family (Llama 3.x, Mistral, Qwen2/2.5, Qwen3,
// Gemma 3), built from a Hugging Face config.json: one forward pass whose pieces (norm kind,
// q/k norm, MLP activation, RoPE variant, sliding windows, soft-caps) the config's switches
// choose (model_config.hpp). Parameters are plain tensors keyed by their HF names, so loading
// and saving is a rename-free copy and a directory we write loads in HF tools.
#pragma once
#include <ATen/ATen.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "io/peft_adapter.hpp"
#include "model/attention.hpp"
#include "model/model_config.hpp"
#include "model/rope.hpp"

namespace lpo {

struct KVCache;  // model/kv_cache.hpp

/// Extra inputs of a forward pass. All optional.
struct ForwardOptions {
  /// [B, T] int64 positions for RoPE; default 0..T-1 (offset by the cache length).
  at::Tensor position_ids;
  /// Either a padding mask (nonzero = real token), combined with the causal mask: [B, T] for
  /// this call's tokens (a cache remembers earlier calls' masks) or [B, S] for cache + this
  /// call; or [B, 1, T, S] bool (true = may attend), used as given (S = cache length + T).
  /// Masked keys get the lowest finite score, so padded rows stay finite (never NaN).
  at::Tensor attention_mask;
  /// When set, keys/values of this call are appended to it and attention covers the cache.
  KVCache* cache = nullptr;
  /// Packed-row attention: with B = 1, spans tiling [0, T) in order; each span attends within
  /// itself under its mask (AttentionSpan). Excludes attention_mask and cache.
  std::vector<AttentionSpan> spans;
  /// Keep only each layer's input during the forward and recompute the layer in backward
  /// (model/recompute.hpp; the seed's --recompute-activations). Ignored with a cache.
  bool recompute_activations = false;
};

class Transformer {
 public:
  /// Allocates every parameter on `device` in `dtype` (norm weights at their identity, 1 or 0
  /// with a (1 + w) norm, everything else 0); fill them with init_random() or use load_model().
  /// With `initialise` false the storage is left unwritten (load_model fills or replaces it).
  /// Throws lpo::Error for an invalid config.
  explicit Transformer(ModelConfig config, c10::Device device = c10::kCPU, at::ScalarType dtype = at::kFloat,
                       bool initialise = true);

  const ModelConfig& config() const { return config_; }
  c10::Device device() const { return p(embed_).device(); }
  at::ScalarType dtype() const { return p(embed_).scalar_type(); }

  /// ids [B, T] int64 (or int32) -> final-normed hidden states [B, T, hidden_size] (model
  /// dtype). Throws lpo::Error for ids outside [0, vocab_size) or inconsistent option shapes.
  at::Tensor hidden_states(const at::Tensor& ids, const ForwardOptions& options = {}) const;
  /// hidden [..., hidden_size] -> logits [..., vocab_size] (lm_head, or the tied embedding),
  /// soft-capped when the config sets final_logit_softcapping.
  at::Tensor lm_head(const at::Tensor& hidden) const;
  /// The LM head's weight [vocab_size, hidden_size] (the embedding when tied).
  const at::Tensor& lm_head_weight() const { return p(head_); }
  /// cap of logits -> cap·tanh(logits / cap) after the LM head; 0 when off.
  double final_logit_softcap() const { return config_.final_logit_softcapping; }
  /// ids [B, T] -> logits [B, T, vocab_size].
  at::Tensor forward(const at::Tensor& ids, const ForwardOptions& options = {}) const;

  /// The base model's parameters in a fixed order with their HF names (a tied lm_head is not
  /// listed twice); never the LoRA adapters.
  const std::vector<std::pair<std::string, at::Tensor>>& named_parameters() const { return params_; }
  std::vector<at::Tensor> parameters() const;
  /// The parameter called `name`; throws lpo::Error if there is none.
  at::Tensor& parameter(const std::string& name);

  /// Re-initialises every parameter: normal(0, std) for matrices and embeddings, the identity
  /// for norms (1, or 0 for (1 + w) norms), zeros for biases, from `seed`.
  void init_random(uint64_t seed, double std = 0.02);
  /// Sets requires_grad on the trainable parameters (trainable_parameters()); with LoRA the
  /// base weights are frozen (never require grad).
  void set_requires_grad(bool requires_grad);

  // ---- LoRA (model/lora.hpp; PEFT format in io/peft_adapter.hpp) -------------------------
  /// Wraps the linear layers `config.target_modules` names in every decoder layer with fresh
  /// float32 adapters, PEFT's default init from `seed` (lora_init: B = 0, so the model's output
  /// is unchanged). Throws lpo::Error when the model already has adapters or the config is
  /// invalid.
  void add_lora(const LoraConfig& config, uint64_t seed);
  /// Loads a PEFT adapter directory (adapter_config.json + adapter_model.safetensors). Throws
  /// lpo::Error naming the file and tensor for a missing tensor, a shape mismatch ([r, in] /
  /// [out, r] from config.json and r), or a tensor the config's target_modules do not name.
  void load_lora(const std::string& dir);
  /// Writes the adapters in PEFT format into `dir` (throws lpo::Error without adapters).
  void save_lora(const std::string& dir) const;
  /// The adapter config, or nullptr when the model has no adapters.
  const LoraConfig* lora() const { return lora_ ? &*lora_ : nullptr; }
  /// The adapters [r, in] / [out, r] float32 by PEFT name without the "base_model.model."
  /// prefix (model.layers.N.self_attn.q_proj.lora_A.weight), in layer order.
  const std::vector<std::pair<std::string, at::Tensor>>& named_adapters() const { return adapters_; }
  /// W <- W + s·B·A for every adapted layer (in float32, stored in W's dtype), then drops the
  /// adapters: the result is a plain model (PEFT's merge_and_unload).
  void merge_lora();
  /// With LoRA the adapters, else the base parameters: what the optimizer updates.
  const std::vector<std::pair<std::string, at::Tensor>>& named_trainable_parameters() const {
    return lora_ ? adapters_ : params_;
  }
  std::vector<at::Tensor> trainable_parameters() const;
  /// Training-mode adapter dropout: seed >= 0 draws the masks of the next forward passes from
  /// `seed` (mixed with layer and module, so a recomputed layer repeats its masks); -1 (the
  /// default) turns dropout off (evaluation). Not a weight, hence const.
  void set_lora_dropout_seed(int64_t seed) const { lora_dropout_seed_ = seed; }
  /// A copy of this model on `device` in `dtype` (new storage; values cast as Tensor::to does,
  /// round-to-nearest-even for bfloat16). Its parameters do not require gradients.
  Transformer to(c10::Device device, at::ScalarType dtype) const;
  /// Number of base parameter elements (tied weights counted once; adapters not counted).
  int64_t num_parameters() const;

 private:
  ModelConfig config_;
  std::vector<std::pair<std::string, at::Tensor>> params_;
  std::optional<LoraConfig> lora_;
  std::vector<std::pair<std::string, at::Tensor>> adapters_;  // (A, B) pairs, layer order
  std::vector<std::array<int64_t, 7>> lora_index_;  // per layer, per module: lora_A in adapters_, -1 none
  mutable int64_t lora_dropout_seed_ = -1;
  // Indices into params_ (so a parameter replaced through parameter() is still used).
  struct Layer;
  struct LayerInputs;  // RoPE tables and masks shared by the layers of one kind
  std::vector<std::shared_ptr<Layer>> layers_;
  size_t embed_ = 0, norm_ = 0, head_ = 0;  // head_ == embed_ when tied
  bool initialise_ = true;
  struct Kind {
    bool local_rope = false;  // gemma3's sliding layers: plain RoPE with rope_local_base_freq
    int64_t window = 0;       // sliding window, 0 = full attention
  };
  std::vector<Kind> kinds_;            // distinct layer kinds, in order of first use
  std::vector<RopeFrequencies> rope_;  // per kind (a "dynamic" one is recomputed per forward)

  size_t kind_index(int64_t layer);

  size_t add_parameter(const std::string& name, std::vector<int64_t> shape, const at::TensorOptions& options);
  const at::Tensor& p(size_t index) const { return params_[index].second; }
  LoraAdapter adapter(size_t layer, size_t module) const;  // module: index in lora_linear_modules()
  size_t module_weight(const Layer& l, size_t module) const;
  at::Tensor norm(const at::Tensor& x, size_t weight) const;
  std::vector<LayerInputs> layer_inputs(const ForwardOptions& options, const at::Tensor& positions,
                                        const at::Tensor& allowed, int64_t past) const;
  at::Tensor layer_forward(size_t i, const at::Tensor& x, const LayerInputs& in, KVCache* cache) const;
};

/// Loads a model directory (config.json + model.safetensors or shards) in `dtype` on `device`.
/// On the CPU, tensors whose file dtype is `dtype` alias the memory-mapped file (no copy; writes
/// stay private to the process). Throws lpo::Error naming the file/tensor on a missing file, a
/// missing tensor, or a shape mismatch (naming the config fields the shape comes from).
Transformer load_model(const std::string& dir, c10::Device device = c10::kCPU,
                       at::ScalarType dtype = at::kFloat);

/// The dtype of config.json's torch_dtype (bfloat16, float16; float32 for anything else).
at::ScalarType disk_dtype_of(const ModelConfig& config);

/// Writes config.json + model.safetensors (atomically) into `dir` (created if missing).
/// `disk_dtype`: float32, bfloat16 or float16 (else lpo::Error); unset: the dtype the model's
/// config.json had (disk_dtype_of), so a bf16 checkpoint stays bf16. With max_shard_bytes > 0
/// the weights are split into HF shards + model.safetensors.index.json when they exceed it.
/// Tensors are written under their HF names; a tied lm_head is not written (as transformers
/// does); config.json keeps every field the loaded one had.
void save_model(const Transformer& model, const std::string& dir, std::optional<at::ScalarType> disk_dtype = {},
                uint64_t max_shard_bytes = 0);

}  // namespace lpo
