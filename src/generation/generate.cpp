#include "generation/generate.hpp"

#include <algorithm>

#include "generation/sampler.hpp"
#include "model/kv_cache.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

// The rows being decoded: left-padded tokens so far and per-row bookkeeping.
struct Batch {
  at::Tensor ids, mask, positions;  // [B, S] int64 (prompt + generated), nonzero = real, RoPE positions
  std::vector<size_t> rows;         // index into the caller's prompts, per batch row
};

Batch left_pad(const std::vector<std::vector<int32_t>>& prompts, size_t begin, size_t end) {
  size_t len = 0;
  for (size_t i = begin; i < end; ++i) len = std::max(len, prompts[i].size());
  int64_t b = static_cast<int64_t>(end - begin), s = static_cast<int64_t>(len);
  Batch batch;
  batch.ids = at::zeros({b, s}, at::kLong);
  batch.mask = at::zeros({b, s}, at::kLong);
  batch.positions = at::zeros({b, s}, at::kLong);
  auto ids = batch.ids.accessor<int64_t, 2>();
  auto mask = batch.mask.accessor<int64_t, 2>();
  auto pos = batch.positions.accessor<int64_t, 2>();
  for (size_t r = 0; r < end - begin; ++r) {
    const auto& p = prompts[begin + r];
    size_t pad = len - p.size();
    for (size_t j = 0; j < p.size(); ++j) {
      ids[r][pad + j] = p[j];
      mask[r][pad + j] = 1;
      pos[r][pad + j] = static_cast<int64_t>(j);
    }
    batch.rows.push_back(begin + r);
  }
  return batch;
}

// Decodes one batch of prompts, appending to outputs[row].
void decode_batch(const Transformer& model, Batch batch, const GenerateOptions& opt, Sampler& sampler,
                  std::vector<std::vector<int32_t>>& outputs) {
  c10::Device device = model.device();
  KVCache cache(model.config().num_hidden_layers);
  ForwardOptions fwd;
  fwd.attention_mask = batch.mask.to(device);
  fwd.position_ids = batch.positions.to(device);
  if (opt.use_cache) fwd.cache = &cache;
  at::Tensor logits = model.forward(batch.ids, fwd).select(1, -1);  // [B, V]

  for (int step = 0; step < opt.max_new_tokens; ++step) {
    at::Tensor next = sampler.sample(logits);  // [B] on the CPU
    auto tok = next.accessor<int64_t, 1>();
    std::vector<int64_t> keep;
    for (size_t r = 0; r < batch.rows.size(); ++r) {
      auto id = static_cast<int32_t>(tok[r]);
      auto& out = outputs[batch.rows[r]];
      bool stop = std::find(opt.stop_ids.begin(), opt.stop_ids.end(), id) != opt.stop_ids.end();
      if (!stop || opt.include_stop_token) out.push_back(id);
      if (!stop && static_cast<int>(out.size()) < opt.max_new_tokens) keep.push_back(static_cast<int64_t>(r));
    }
    if (keep.empty()) return;
    at::Tensor last_pos = batch.positions.select(1, -1).unsqueeze(1) + 1;  // [B, 1]
    at::Tensor new_ids = next.unsqueeze(1);
    if (keep.size() < batch.rows.size()) {  // drop finished rows from the batch and the cache
      at::Tensor idx = at::tensor(keep, at::kLong);
      std::vector<size_t> rows;
      for (int64_t r : keep) rows.push_back(batch.rows[r]);
      batch.rows = rows;
      batch.ids = batch.ids.index_select(0, idx);
      batch.mask = batch.mask.index_select(0, idx);
      batch.positions = batch.positions.index_select(0, idx);
      last_pos = last_pos.index_select(0, idx);
      new_ids = new_ids.index_select(0, idx);
      if (opt.use_cache) cache.select_rows(idx);
    }
    batch.ids = at::cat({batch.ids, new_ids}, 1);
    batch.mask = at::cat({batch.mask, at::ones_like(new_ids)}, 1);
    batch.positions = at::cat({batch.positions, last_pos}, 1);
    if (opt.use_cache) {
      fwd.attention_mask = at::Tensor();  // the cache remembers the prompt padding
      fwd.position_ids = last_pos.to(device);
      logits = model.forward(new_ids, fwd).select(1, -1);
    } else {
      fwd.attention_mask = batch.mask.to(device);
      fwd.position_ids = batch.positions.to(device);
      logits = model.forward(batch.ids, fwd).select(1, -1);
    }
  }
}

}  // namespace

std::vector<std::vector<int32_t>> generate(const Transformer& model, const std::vector<std::vector<int32_t>>& prompts,
                                           const GenerateOptions& options) {
  check(options.max_new_tokens >= 0, "max_new_tokens must be >= 0, got ", options.max_new_tokens);
  check(options.batch_size >= 1, "batch_size must be >= 1, got ", options.batch_size);
  for (size_t i = 0; i < prompts.size(); ++i) check(!prompts[i].empty(), "prompt ", i, " is empty");
  Sampler sampler({options.temperature, options.top_p, options.top_k}, options.seed);
  std::vector<std::vector<int32_t>> outputs(prompts.size());
  if (options.max_new_tokens == 0) return outputs;
  at::NoGradGuard no_grad;
  for (size_t begin = 0; begin < prompts.size(); begin += options.batch_size) {
    size_t end = std::min(prompts.size(), begin + static_cast<size_t>(options.batch_size));
    decode_batch(model, left_pad(prompts, begin, end), options, sampler, outputs);
  }
  return outputs;
}

}  // namespace lpo
