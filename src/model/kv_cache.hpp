// Per-layer key/value cache for incremental decoding: a forward pass with a cache appends its
// keys/values and attends over everything cached, so a new token costs one T=1 pass.
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace lpo {

struct KVCache {
  /// An empty cache for a model with `num_layers` layers.
  explicit KVCache(int64_t num_layers);

  /// Number of cached positions S (the same for every layer after a full forward pass).
  int64_t length() const { return lengths_.empty() ? 0 : lengths_[0]; }
  int64_t num_layers() const { return static_cast<int64_t>(lengths_.size()); }

  /// Appends k, v [B, kv_heads, T, head_dim] to layer `layer` and returns the cached
  /// (keys, values), each [B, kv_heads, S + T, head_dim]. Storage grows by doubling, so
  /// appending costs O(T) amortised; when k requires grad the tensors are concatenated
  /// instead (differentiable, O(S)). Throws lpo::Error when B/heads/head_dim change.
  std::pair<at::Tensor, at::Tensor> append(int64_t layer, const at::Tensor& k, const at::Tensor& v);

  /// Records which of the T new positions are real (mask [B, T], nonzero = real; undefined =
  /// all real) and returns the key mask [B, S + T] bool of all cached positions, or an
  /// undefined tensor when every position so far is real. Call once per forward pass, before
  /// the layers append.
  at::Tensor append_key_mask(const at::Tensor& mask, int64_t batch, int64_t new_positions, c10::Device device);

  /// Replaces the key mask with `mask` [B, S] (a full mask given by the caller).
  void set_key_mask(const at::Tensor& mask) { key_mask_ = mask.to(at::kBool); }

  /// Keeps only the batch rows `rows` (int64 indices), e.g. to drop finished sequences.
  void select_rows(const at::Tensor& rows);
  /// Empties the cache.
  void clear();

 private:
  std::vector<at::Tensor> keys_, values_;  // [B, kv_heads, capacity, head_dim]
  std::vector<int64_t> lengths_;
  at::Tensor key_mask_;                    // [B, S] bool, or undefined (all real)
};

}  // namespace lpo
