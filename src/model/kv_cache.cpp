#include "model/kv_cache.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace lpo {

KVCache::KVCache(int64_t num_layers)
    : keys_(num_layers), values_(num_layers), lengths_(num_layers, 0) {}

namespace {

// Copies buffer[:, :, :length] into a new buffer with `capacity` positions.
at::Tensor grow(const at::Tensor& buffer, int64_t length, int64_t capacity, const at::Tensor& like) {
  auto sizes = like.sizes().vec();
  sizes[2] = capacity;
  at::Tensor bigger = at::empty(sizes, like.options());
  if (buffer.defined() && length > 0) bigger.narrow(2, 0, length).copy_(buffer.narrow(2, 0, length));
  return bigger;
}

}  // namespace

std::pair<at::Tensor, at::Tensor> KVCache::append(int64_t layer, const at::Tensor& k, const at::Tensor& v) {
  check(layer >= 0 && layer < num_layers(), "KVCache: layer ", layer, " out of range [0, ", num_layers(), ")");
  check(k.dim() == 4 && k.sizes() == v.sizes(), "KVCache: keys/values must be [B, kv_heads, T, head_dim]");
  at::Tensor& keys = keys_[layer];
  at::Tensor& values = values_[layer];
  int64_t& len = lengths_[layer];
  if (keys.defined())
    check(keys.size(0) == k.size(0) && keys.size(1) == k.size(1) && keys.size(3) == k.size(3),
          "KVCache: layer ", layer, " holds [", keys.size(0), ", ", keys.size(1), ", S, ", keys.size(3),
          "], cannot append ", k.sizes());
  int64_t t = k.size(2);
  if (k.requires_grad() || v.requires_grad()) {  // keep autograd history: plain concatenation
    keys = len > 0 ? at::cat({keys.narrow(2, 0, len), k}, 2) : k;
    values = len > 0 ? at::cat({values.narrow(2, 0, len), v}, 2) : v;
    len += t;
    return {keys, values};
  }
  if (!keys.defined() || keys.size(2) < len + t) {
    int64_t capacity = std::max<int64_t>(len + t, keys.defined() ? 2 * keys.size(2) : len + t);
    keys = grow(keys, len, capacity, k);
    values = grow(values, len, capacity, v);
  }
  keys.narrow(2, len, t).copy_(k);
  values.narrow(2, len, t).copy_(v);
  len += t;
  return {keys.narrow(2, 0, len), values.narrow(2, 0, len)};
}

at::Tensor KVCache::append_key_mask(const at::Tensor& mask, int64_t batch, int64_t new_positions,
                                    c10::Device device) {
  int64_t past = length();
  if (!mask.defined() && !key_mask_.defined()) return {};
  at::Tensor fresh = mask.defined() ? mask.to(device).to(at::kBool)
                                    : at::ones({batch, new_positions}, at::TensorOptions(at::kBool).device(device));
  at::Tensor old = key_mask_.defined() ? key_mask_
                                       : at::ones({batch, past}, at::TensorOptions(at::kBool).device(device));
  key_mask_ = at::cat({old, fresh}, 1);
  return key_mask_;
}

void KVCache::select_rows(const at::Tensor& rows) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (!keys_[i].defined()) continue;
    keys_[i] = keys_[i].index_select(0, rows.to(keys_[i].device()));
    values_[i] = values_[i].index_select(0, rows.to(values_[i].device()));
  }
  if (key_mask_.defined()) key_mask_ = key_mask_.index_select(0, rows.to(key_mask_.device()));
}

void KVCache::clear() {
  for (auto& k : keys_) k = at::Tensor();
  for (auto& v : values_) v = at::Tensor();
  std::fill(lengths_.begin(), lengths_.end(), 0);
  key_mask_ = at::Tensor();
}

}  // namespace lpo
