#include "model/transformer.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <array>
#include <map>
#include <cmath>
#include <tuple>

#include "model/attention.hpp"
#include "model/kv_cache.hpp"
#include "model/lora.hpp"
#include "model/layers.hpp"
#include "model/recompute.hpp"
#include "model/rope.hpp"
#include "util/error.hpp"

namespace lpo {

struct Transformer::Layer {
  size_t attn_norm = 0, mlp_norm = 0;          // input_layernorm; post_attention_ or pre_feedforward_layernorm
  size_t attn_out_norm = 0, mlp_out_norm = 0;  // sandwich norms (gemma): post_attention_, post_feedforward_
  size_t q_w = 0, k_w = 0, v_w = 0, o_w = 0;
  bool has_bias = false, has_qk_norm = false;
  size_t q_b = 0, k_b = 0, v_b = 0, q_norm = 0, k_norm = 0;
  size_t gate = 0, up = 0, down = 0;
  size_t kind = 0;  // index into kinds_: which RoPE table and mask the layer uses
};

// What the layers of one kind (RoPE base, window) share in a forward pass.
struct Transformer::LayerInputs {
  at::Tensor cos, sin;               // [B, T, head_dim] float32
  at::Tensor allowed;                // [B or 1, 1, T, S] bool (unpacked)
  std::vector<AttentionSpan> spans;  // packed
};

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_norm_weight(const std::string& name) { return ends_with(name, "norm.weight"); }

}  // namespace

size_t Transformer::add_parameter(const std::string& name, std::vector<int64_t> shape,
                                  const at::TensorOptions& options) {
  if (!initialise_) {
    params_.emplace_back(name, at::empty(shape, options));
  } else if (is_norm_weight(name)) {  // the identity: weight 1, or 0 where the norm scales by (1 + w)
    params_.emplace_back(name, at::full(shape, 1.0 - config_.norm_weight_offset, options));
  } else {
    params_.emplace_back(name, at::zeros(shape, options));
  }
  return params_.size() - 1;
}

Transformer::Transformer(ModelConfig config, c10::Device device, at::ScalarType dtype, bool initialise)
    : config_(std::move(config)), initialise_(initialise) {
  config_.validate();
  const ModelConfig& c = config_;
  auto opts = at::TensorOptions().dtype(dtype).device(device);
  int64_t q_dim = c.num_attention_heads * c.head_dim, kv_dim = c.num_key_value_heads * c.head_dim;
  embed_ = add_parameter("model.embed_tokens.weight", {c.vocab_size, c.hidden_size}, opts);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    std::string pre = "model.layers." + std::to_string(i) + ".";
    auto l = std::make_shared<Layer>();
    auto add = [&](const std::string& name, std::vector<int64_t> shape) { return add_parameter(pre + name, shape, opts); };
    l->attn_norm = add("input_layernorm.weight", {c.hidden_size});
    l->has_bias = c.attention_bias;
    l->q_w = add("self_attn.q_proj.weight", {q_dim, c.hidden_size});
    if (l->has_bias) l->q_b = add("self_attn.q_proj.bias", {q_dim});
    l->k_w = add("self_attn.k_proj.weight", {kv_dim, c.hidden_size});
    if (l->has_bias) l->k_b = add("self_attn.k_proj.bias", {kv_dim});
    l->v_w = add("self_attn.v_proj.weight", {kv_dim, c.hidden_size});
    if (l->has_bias) l->v_b = add("self_attn.v_proj.bias", {kv_dim});
    l->o_w = add("self_attn.o_proj.weight", {c.hidden_size, q_dim});
    l->has_qk_norm = c.qk_norm;
    if (c.qk_norm) {
      l->q_norm = add("self_attn.q_norm.weight", {c.head_dim});
      l->k_norm = add("self_attn.k_norm.weight", {c.head_dim});
    }
    if (c.sandwich_norms) {
      l->attn_out_norm = add("post_attention_layernorm.weight", {c.hidden_size});
      l->mlp_norm = add("pre_feedforward_layernorm.weight", {c.hidden_size});
      l->mlp_out_norm = add("post_feedforward_layernorm.weight", {c.hidden_size});
    } else {
      l->mlp_norm = add("post_attention_layernorm.weight", {c.hidden_size});
    }
    l->gate = add("mlp.gate_proj.weight", {c.intermediate_size, c.hidden_size});
    l->up = add("mlp.up_proj.weight", {c.intermediate_size, c.hidden_size});
    l->down = add("mlp.down_proj.weight", {c.hidden_size, c.intermediate_size});
    l->kind = kind_index(i);
    layers_.push_back(l);
  }
  norm_ = add_parameter("model.norm.weight", {c.hidden_size}, opts);
  head_ = c.tie_word_embeddings ? embed_ : add_parameter("lm_head.weight", {c.vocab_size, c.hidden_size}, opts);
  for (const Kind& k : kinds_) {
    RopeScaling scaling = k.local_rope ? RopeScaling{} : c.rope_scaling;  // gemma3's local layers: plain RoPE
    rope_.push_back(rope_frequencies(scaling, c.head_dim, k.local_rope ? c.rope_local_base_freq : c.rope_theta,
                                     c.max_position_embeddings, 0, device));
  }
}

size_t Transformer::kind_index(int64_t layer) {
  Kind k{config_.uses_local_rope(layer), config_.window(layer)};
  for (size_t i = 0; i < kinds_.size(); ++i)
    if (kinds_[i].local_rope == k.local_rope && kinds_[i].window == k.window) return i;
  kinds_.push_back(k);
  return kinds_.size() - 1;
}

at::Tensor Transformer::norm(const at::Tensor& x, size_t weight) const {
  return rms_norm(x, p(weight), config_.rms_norm_eps, config_.norm_weight_offset);
}

at::Tensor Transformer::layer_forward(size_t i, const at::Tensor& x, const LayerInputs& in, KVCache* cache) const {
  const Layer& l = *layers_[i];
  auto opt = [&](bool present, size_t index) { return present ? p(index) : at::Tensor(); };
  AttentionWeights w{p(l.q_w), opt(l.has_bias, l.q_b), p(l.k_w), opt(l.has_bias, l.k_b), p(l.v_w),
                     opt(l.has_bias, l.v_b), p(l.o_w), opt(l.has_qk_norm, l.q_norm), opt(l.has_qk_norm, l.k_norm),
                     adapter(i, 0), adapter(i, 1), adapter(i, 2), adapter(i, 3)};
  const ModelConfig& c = config_;
  AttentionShape shape{c.num_attention_heads, c.num_key_value_heads, c.head_dim, c.attention_scale(),
                       c.attn_logit_softcapping, c.rms_norm_eps, c.norm_weight_offset};
  at::Tensor a = self_attention(norm(x, l.attn_norm), w, shape, in.cos, in.sin, in.allowed, cache,
                                static_cast<int64_t>(i), in.spans);
  if (c.sandwich_norms) a = norm(a, l.attn_out_norm);
  at::Tensor h = x + a;
  const MlpAdapters mlp{adapter(i, 4), adapter(i, 5), adapter(i, 6)};
  at::Tensor m = gated_mlp(norm(h, l.mlp_norm), p(l.gate), p(l.up), p(l.down), c.hidden_act, &mlp);
  if (c.sandwich_norms) m = norm(m, l.mlp_out_norm);
  return h + m;
}

namespace {

// The [B, 1, T, S] bool mask of a forward pass from ForwardOptions (see its comments).
at::Tensor build_mask(const ForwardOptions& o, int64_t b, int64_t t, int64_t past, c10::Device device) {
  const at::Tensor& m = o.attention_mask;
  int64_t s = past + t;
  if (m.defined() && m.dim() == 4) {
    check(m.size(0) == b && m.size(1) == 1 && m.size(2) == t && m.size(3) == s,
          "attention_mask: expected [", b, ", 1, ", t, ", ", s, "], got ", m.sizes());
    if (o.cache) o.cache->append_key_mask({}, b, t, device);
    return m.to(device).to(at::kBool);
  }
  at::Tensor key_mask;
  if (m.defined()) {
    check(m.dim() == 2 && m.size(0) == b && (m.size(1) == t || m.size(1) == s), "attention_mask: expected [", b,
          ", ", t, "] or [", b, ", ", s, "] or [", b, ", 1, ", t, ", ", s, "], got ", m.sizes());
  }
  if (o.cache) {
    if (m.defined() && m.size(1) == s && s != t) {
      o.cache->set_key_mask(m.to(device));
      key_mask = m;
    } else {
      key_mask = o.cache->append_key_mask(m, b, t, device);
    }
  } else {
    key_mask = m;
  }
  return causal_attention_mask(b, t, past, key_mask, device);
}

// Spans must tile one row's T tokens in order, without a cache or another mask.
void check_spans(const ForwardOptions& o, int64_t b, int64_t t) {
  check(b == 1 && !o.cache && !o.attention_mask.defined(),
        "spans: need ids [1, T] and neither attention_mask nor a KV cache");
  int64_t next = 0;
  for (const AttentionSpan& s : o.spans) {
    check(s.start == next && s.length > 0, "spans: must tile [0, ", t, ") in order; got a span at ", s.start,
          " of length ", s.length, " where ", next, " was expected");
    check(!s.mask.defined() || (s.mask.dim() == 2 && s.mask.size(0) == s.length && s.mask.size(1) == s.length),
          "spans: the mask of the span at ", s.start, " must be [", s.length, ", ", s.length, "]");
    next += s.length;
  }
  check(next == t, "spans: cover ", next, " tokens but the row has ", t);
}

}  // namespace

std::vector<Transformer::LayerInputs> Transformer::layer_inputs(const ForwardOptions& options,
                                                                 const at::Tensor& positions,
                                                                 const at::Tensor& allowed, int64_t past) const {
  const ModelConfig& c = config_;
  // Windows count positions where rows are laid out by position (a caller's 4-D mask: shared
  // prompts; packed spans), indices where rows are plain causal sequences (padding, cache).
  const bool by_position = options.attention_mask.defined() && options.attention_mask.dim() == 4 && !options.cache;
  at::Tensor span_positions;
  if (!options.spans.empty())
    span_positions = (options.position_ids.defined() ? options.position_ids : positions).select(0, 0).to(at::kCPU);
  std::vector<LayerInputs> out;
  for (size_t k = 0; k < kinds_.size(); ++k) {
    LayerInputs in;
    RopeFrequencies rope = rope_[k];
    if (!kinds_[k].local_rope && c.rope_scaling.type == "dynamic")  // NTK base grows with the sequence
      rope = rope_frequencies(c.rope_scaling, c.head_dim, c.rope_theta, c.max_position_embeddings,
                              positions.max().item<int64_t>() + 1, device());
    std::tie(in.cos, in.sin) = rope_cos_sin(positions, rope.inv_freq, rope.attention_factor);
    const int64_t w = kinds_[k].window;
    if (options.spans.empty()) {
      in.allowed = w <= 0 ? allowed : by_position ? windowed_mask_by_position(allowed, positions, w)
                                                  : windowed_mask(allowed, past, w);
    } else {
      in.spans = options.spans;
      if (w > 0)
        for (AttentionSpan& s : in.spans)
          s.mask = windowed_mask_by_position(s.mask, span_positions.narrow(0, s.start, s.length), w);
    }
    out.push_back(std::move(in));
  }
  return out;
}

at::Tensor Transformer::hidden_states(const at::Tensor& ids_in, const ForwardOptions& options) const {
  check(ids_in.dim() == 2, "input ids must be [B, T], got ", ids_in.sizes());
  check(ids_in.scalar_type() == at::kLong || ids_in.scalar_type() == at::kInt, "input ids must be int64 or int32");
  c10::Device device = this->device();
  at::Tensor ids = ids_in.to(device).to(at::kLong);
  int64_t b = ids.size(0), t = ids.size(1);
  check(t > 0, "input ids are empty (T = 0)");
  int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
  check(lo >= 0 && hi < config_.vocab_size, "token id ", lo < 0 ? lo : hi, " outside the vocabulary [0, ",
        config_.vocab_size, ")");
  if (options.cache)
    check(options.cache->num_layers() == config_.num_hidden_layers, "KVCache has ", options.cache->num_layers(),
          " layers, the model ", config_.num_hidden_layers);
  int64_t past = options.cache ? options.cache->length() : 0;

  at::Tensor positions = options.position_ids;
  if (positions.defined()) {
    check(positions.dim() == 2 && positions.size(0) == b && positions.size(1) == t, "position_ids: expected [", b,
          ", ", t, "], got ", positions.sizes());
    positions = positions.to(device);
  } else {
    positions = at::arange(past, past + t, at::TensorOptions(at::kLong).device(device)).unsqueeze(0).expand({b, t});
  }
  at::Tensor allowed;
  if (options.spans.empty())
    allowed = build_mask(options, b, t, past, device);
  else
    check_spans(options, b, t);
  const std::vector<LayerInputs> inputs = layer_inputs(options, positions, allowed, past);

  at::Tensor x = at::embedding(p(embed_), ids);  // [B, T, H]
  if (config_.scale_embeddings)  // gemma: × sqrt(hidden), the factor rounded to the weights' dtype
    x = x * at::scalar_tensor(std::sqrt(static_cast<double>(config_.hidden_size)), at::kFloat)
                .to(x.scalar_type()).to(device);
  const bool recompute = options.recompute_activations && !options.cache;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const LayerInputs& in = inputs[layers_[i]->kind];
    if (recompute)
      // A copy of the layer's inputs, since backward runs after `inputs` is gone.
      x = recompute_in_backward([this, i, in](const at::Tensor& h) { return layer_forward(i, h, in, nullptr); }, x);
    else
      x = layer_forward(i, x, in, options.cache);
  }
  return norm(x, norm_);
}

at::Tensor Transformer::lm_head(const at::Tensor& hidden) const {
  at::Tensor logits = at::linear(hidden, p(head_));
  const double cap = config_.final_logit_softcapping;
  return cap > 0 ? at::tanh(logits / cap) * cap : logits;
}

at::Tensor Transformer::forward(const at::Tensor& ids, const ForwardOptions& options) const {
  return lm_head(hidden_states(ids, options));
}

std::vector<at::Tensor> Transformer::parameters() const {
  std::vector<at::Tensor> out;
  for (const auto& [name, t] : params_) out.push_back(t);
  return out;
}

at::Tensor& Transformer::parameter(const std::string& name) {
  for (auto& [n, t] : params_)
    if (n == name) return t;
  fail("model has no parameter '", name, "'");
}

void Transformer::init_random(uint64_t seed, double std) {
  at::NoGradGuard no_grad;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (auto& [name, t] : params_) {
    if (is_norm_weight(name)) {
      t.fill_(1.0 - config_.norm_weight_offset);
    } else if (ends_with(name, ".bias")) {
      t.zero_();
    } else {  // drawn on the CPU in float32, so a seed gives the same weights on every device
      at::Tensor values = at::empty(t.sizes(), at::kFloat);
      values.normal_(0.0, std, gen);
      t.copy_(values);
    }
  }
}

void Transformer::set_requires_grad(bool requires_grad) {
  for (auto& [name, t] : params_) t.requires_grad_(requires_grad && !lora_);
  for (auto& [name, t] : adapters_) t.requires_grad_(requires_grad);
}

std::vector<at::Tensor> Transformer::trainable_parameters() const {
  std::vector<at::Tensor> out;
  for (const auto& [name, t] : named_trainable_parameters()) out.push_back(t);
  return out;
}

Transformer Transformer::to(c10::Device device, at::ScalarType dtype) const {
  Transformer copy(config_, device, dtype, /*initialise=*/false);
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) copy.params_[i].second.copy_(params_[i].second);
  if (lora_) {  // adapters stay float32 whatever the base's dtype
    copy.lora_ = lora_;
    copy.lora_index_ = lora_index_;
    for (const auto& [name, t] : adapters_) copy.adapters_.emplace_back(name, t.detach().to(device, at::kFloat, false, true));
  }
  return copy;
}

// ---- LoRA ---------------------------------------------------------------------------------

size_t Transformer::module_weight(const Layer& l, size_t module) const {
  const size_t index[7] = {l.q_w, l.k_w, l.v_w, l.o_w, l.gate, l.up, l.down};
  return index[module];
}

LoraAdapter Transformer::adapter(size_t layer, size_t module) const {
  if (!lora_) return {};
  const int64_t a = lora_index_[layer][module];
  if (a < 0) return {};
  LoraAdapter out{adapters_[a].second, adapters_[a + 1].second, lora_->scale(), lora_->dropout, -1};
  if (lora_dropout_seed_ >= 0)  // distinct, reproducible masks per step, layer and module
    out.dropout_seed = static_cast<int64_t>((static_cast<uint64_t>(lora_dropout_seed_) * 1000003ULL +
                                             layer * 7 + module) & 0x7fffffffffffffffULL);
  return out;
}

void Transformer::add_lora(const LoraConfig& config, uint64_t seed) {
  check(!lora_, "the model already has LoRA adapters");
  config.validate("LoRA config");
  lora_ = config;
  lora_index_.assign(layers_.size(), {-1, -1, -1, -1, -1, -1, -1});
  const auto& modules = lora_linear_modules();
  at::NoGradGuard no_grad;
  uint64_t k = 0;
  for (const int64_t i : config.layers)
    check(i >= 0 && i < config_.num_hidden_layers, "LoRA layers_to_transform: layer ", i, " outside [0, ",
          config_.num_hidden_layers, ")");
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = *layers_[i];
    if (!config.layers.empty() &&
        std::find(config.layers.begin(), config.layers.end(), static_cast<int64_t>(i)) == config.layers.end())
      continue;
    for (size_t m = 0; m < modules.size(); ++m) {
      if (std::find(config.target_modules.begin(), config.target_modules.end(), modules[m]) ==
          config.target_modules.end())
        continue;
      const auto& [wname, w] = params_[module_weight(l, m)];
      const std::string base = wname.substr(0, wname.size() - std::string(".weight").size());
      auto opts = at::TensorOptions().dtype(at::kFloat).device(w.device());
      at::Tensor a = at::empty({config.r, w.size(1)}, opts), b = at::empty({w.size(0), config.r}, opts);
      lora_init(a, b, seed + 1000003ULL * (k++));
      lora_index_[i][m] = static_cast<int64_t>(adapters_.size());
      adapters_.emplace_back(base + ".lora_A.weight", a);
      adapters_.emplace_back(base + ".lora_B.weight", b);
    }
  }
}

void Transformer::load_lora(const std::string& dir) {
  LoraConfig config = read_lora_config(dir);
  std::map<std::string, at::Tensor> tensors = read_lora_tensors(dir);
  add_lora(config, 0);
  const std::string file = dir + "/adapter_model.safetensors";
  at::NoGradGuard no_grad;
  for (auto& [name, t] : adapters_) {
    auto it = tensors.find(name);
    check(it != tensors.end(), file, ": lacks tensor 'base_model.model.", name, "' (target_modules in ", dir,
          "/adapter_config.json name this layer)");
    check(it->second.sizes() == t.sizes(), file, ": tensor 'base_model.model.", name, "' has shape ",
          it->second.sizes(), " but the model and r = ", config.r, " imply ", t.sizes());
    t.copy_(it->second);
    tensors.erase(it);
  }
  if (!tensors.empty())
    fail(file, ": unexpected tensor 'base_model.model.", tensors.begin()->first, "' (not an adapter of a ",
         config_.model_type, " model's ", "target_modules in adapter_config.json)");
}

void Transformer::save_lora(const std::string& dir) const {
  check(lora_.has_value(), "save_lora: the model has no LoRA adapters");
  write_lora_adapter(dir, *lora_, adapters_);
}

void Transformer::merge_lora() {
  if (!lora_) return;
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < layers_.size(); ++i) {
    for (size_t m = 0; m < lora_index_[i].size(); ++m) {
      const int64_t k = lora_index_[i][m];
      if (k < 0) continue;
      at::Tensor& w = params_[module_weight(*layers_[i], m)].second;
      const at::Tensor& a = adapters_[k].second;
      const at::Tensor& b = adapters_[k + 1].second;
      // A new tensor: the old one may alias a memory-mapped checkpoint.
      w = (w.to(at::kFloat) + at::mm(b, a).mul_(lora_->scale())).to(w.scalar_type());
    }
  }
  lora_index_.clear();
  adapters_.clear();
  lora_.reset();
}

int64_t Transformer::num_parameters() const {
  int64_t n = 0;
  for (const auto& [name, t] : params_) n += t.numel();
  return n;
}

}  // namespace lpo
