#include "model/transformer.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include "model/attention.hpp"
#include "model/kv_cache.hpp"
#include "model/layers.hpp"
#include "model/recompute.hpp"
#include "model/rope.hpp"
#include "util/error.hpp"

namespace lpo {

struct Transformer::Layer {
  size_t input_norm = 0, post_norm = 0;
  size_t q_w = 0, k_w = 0, v_w = 0, o_w = 0;
  bool has_bias = false;
  size_t q_b = 0, k_b = 0, v_b = 0;
  size_t gate = 0, up = 0, down = 0;
};

size_t Transformer::add_parameter(const std::string& name, std::vector<int64_t> shape,
                                  const at::TensorOptions& options) {
  bool is_norm = name.size() >= 11 && name.compare(name.size() - 11, 11, "norm.weight") == 0;
  params_.emplace_back(name, is_norm ? at::ones(shape, options) : at::zeros(shape, options));
  return params_.size() - 1;
}

Transformer::Transformer(ModelConfig config, c10::Device device, at::ScalarType dtype)
    : config_(std::move(config)) {
  config_.validate();
  const ModelConfig& c = config_;
  auto opts = at::TensorOptions().dtype(dtype).device(device);
  int64_t q_dim = c.num_attention_heads * c.head_dim, kv_dim = c.num_key_value_heads * c.head_dim;
  embed_ = add_parameter("model.embed_tokens.weight", {c.vocab_size, c.hidden_size}, opts);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    std::string pre = "model.layers." + std::to_string(i) + ".";
    auto l = std::make_shared<Layer>();
    l->input_norm = add_parameter(pre + "input_layernorm.weight", {c.hidden_size}, opts);
    l->has_bias = c.attention_bias;
    l->q_w = add_parameter(pre + "self_attn.q_proj.weight", {q_dim, c.hidden_size}, opts);
    if (l->has_bias) l->q_b = add_parameter(pre + "self_attn.q_proj.bias", {q_dim}, opts);
    l->k_w = add_parameter(pre + "self_attn.k_proj.weight", {kv_dim, c.hidden_size}, opts);
    if (l->has_bias) l->k_b = add_parameter(pre + "self_attn.k_proj.bias", {kv_dim}, opts);
    l->v_w = add_parameter(pre + "self_attn.v_proj.weight", {kv_dim, c.hidden_size}, opts);
    if (l->has_bias) l->v_b = add_parameter(pre + "self_attn.v_proj.bias", {kv_dim}, opts);
    l->o_w = add_parameter(pre + "self_attn.o_proj.weight", {c.hidden_size, q_dim}, opts);
    l->post_norm = add_parameter(pre + "post_attention_layernorm.weight", {c.hidden_size}, opts);
    l->gate = add_parameter(pre + "mlp.gate_proj.weight", {c.intermediate_size, c.hidden_size}, opts);
    l->up = add_parameter(pre + "mlp.up_proj.weight", {c.intermediate_size, c.hidden_size}, opts);
    l->down = add_parameter(pre + "mlp.down_proj.weight", {c.hidden_size, c.intermediate_size}, opts);
    layers_.push_back(l);
  }
  norm_ = add_parameter("model.norm.weight", {c.hidden_size}, opts);
  head_ = c.tie_word_embeddings ? embed_ : add_parameter("lm_head.weight", {c.vocab_size, c.hidden_size}, opts);
  inv_freq_ = rope_inv_freq(c.head_dim, c.rope_theta, device);
}

at::Tensor Transformer::layer_forward(size_t i, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                      const at::Tensor& allowed, KVCache* cache,
                                      const std::vector<AttentionSpan>& spans) const {
  const Layer& l = *layers_[i];
  AttentionWeights w{p(l.q_w), l.has_bias ? p(l.q_b) : at::Tensor(), p(l.k_w), l.has_bias ? p(l.k_b) : at::Tensor(),
                     p(l.v_w), l.has_bias ? p(l.v_b) : at::Tensor(), p(l.o_w)};
  AttentionShape shape{config_.num_attention_heads, config_.num_key_value_heads, config_.head_dim};
  at::Tensor h = x + self_attention(rms_norm(x, p(l.input_norm), config_.rms_norm_eps), w, shape, cos, sin,
                                    allowed, cache, static_cast<int64_t>(i), spans);
  return h + swiglu_mlp(rms_norm(h, p(l.post_norm), config_.rms_norm_eps), p(l.gate), p(l.up), p(l.down));
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
  auto [cos, sin] = rope_cos_sin(positions, inv_freq_);

  at::Tensor x = at::embedding(p(embed_), ids);  // [B, T, H]
  const bool recompute = options.recompute_activations && !options.cache;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (recompute)
      x = recompute_in_backward(
          // Copies (init-captures: structured bindings cannot be captured in C++17), since
          // backward runs after `options` is gone.
          [this, i, c = cos, s = sin, allowed, spans = options.spans](const at::Tensor& in) {
            return layer_forward(i, in, c, s, allowed, nullptr, spans);
          },
          x);
    else
      x = layer_forward(i, x, cos, sin, allowed, options.cache, options.spans);
  }
  return rms_norm(x, p(norm_), config_.rms_norm_eps);
}

at::Tensor Transformer::lm_head(const at::Tensor& hidden) const { return at::linear(hidden, p(head_)); }

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
    bool is_norm = name.size() >= 11 && name.compare(name.size() - 11, 11, "norm.weight") == 0;
    bool is_bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    if (is_norm) {
      t.fill_(1.0);
    } else if (is_bias) {
      t.zero_();
    } else {  // drawn on the CPU in float32, so a seed gives the same weights on every device
      at::Tensor values = at::empty(t.sizes(), at::kFloat);
      values.normal_(0.0, std, gen);
      t.copy_(values);
    }
  }
}

void Transformer::set_requires_grad(bool requires_grad) {
  for (auto& [name, t] : params_) t.requires_grad_(requires_grad);
}

Transformer Transformer::to(c10::Device device, at::ScalarType dtype) const {
  Transformer copy(config_, device, dtype);
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) copy.params_[i].second.copy_(params_[i].second);
  return copy;
}

int64_t Transformer::num_parameters() const {
  int64_t n = 0;
  for (const auto& [name, t] : params_) n += t.numel();
  return n;
}

}  // namespace lpo
