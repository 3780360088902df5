#include "model/score.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace lpo {
namespace {

// One right-padded batch: ids/mask [B, T] int64.
std::pair<at::Tensor, at::Tensor> right_pad(const std::vector<std::vector<int32_t>>& seqs, size_t begin, size_t end) {
  size_t len = 0;
  for (size_t i = begin; i < end; ++i) len = std::max(len, seqs[i].size());
  at::Tensor ids = at::zeros({static_cast<int64_t>(end - begin), static_cast<int64_t>(len)}, at::kLong);
  at::Tensor mask = at::zeros_like(ids);
  auto id = ids.accessor<int64_t, 2>();
  auto m = mask.accessor<int64_t, 2>();
  for (size_t r = 0; r < end - begin; ++r)
    for (size_t j = 0; j < seqs[begin + r].size(); ++j) {
      id[r][j] = seqs[begin + r][j];
      m[r][j] = 1;
    }
  return {ids, mask};
}

constexpr int64_t kScoreChunk = 64;  // positions per LM-head product: 64 × V floats

}  // namespace

std::vector<SequenceScore> score_sequences(const Transformer& model, const std::vector<std::vector<int32_t>>& seqs,
                                           int batch_size, int top) {
  check(batch_size >= 1, "score: batch_size must be >= 1");
  for (size_t i = 0; i < seqs.size(); ++i) check(!seqs[i].empty(), "score: sequence ", i, " has no ids");
  at::NoGradGuard no_grad;
  std::vector<SequenceScore> out;
  for (size_t begin = 0; begin < seqs.size(); begin += batch_size) {
    size_t end = std::min(seqs.size(), begin + static_cast<size_t>(batch_size));
    auto [ids, mask] = right_pad(seqs, begin, end);
    ForwardOptions fwd;
    fwd.attention_mask = mask;
    const at::Tensor hidden = model.hidden_states(ids, fwd);  // [B, T, H]
    for (size_t r = 0; r < end - begin; ++r) {
      const auto& s = seqs[begin + r];
      int64_t n = static_cast<int64_t>(s.size());
      SequenceScore score;
      score.num_tokens = n - 1;
      // The LM head a chunk of positions at a time: never the full [B, T, V] logits.
      const at::Tensor targets = ids[r].to(hidden.device());
      for (int64_t start = 0; start + 1 < n; start += kScoreChunk) {
        const int64_t len = std::min(kScoreChunk, n - 1 - start);
        at::Tensor logp = at::log_softmax(model.lm_head(hidden[r].narrow(0, start, len)).to(at::kFloat), -1);
        at::Tensor picked = logp.gather(1, targets.narrow(0, start + 1, len).unsqueeze(1));  // [len, 1]
        score.sum_logprob += picked.to(at::kDouble).sum().item<double>();
      }
      at::Tensor last = model.lm_head(hidden[r][n - 1]).to(at::kCPU).to(at::kFloat);
      int k = std::min<int64_t>(top, last.size(0));
      auto [values, indices] = last.topk(k);
      for (int i = 0; i < k; ++i)
        score.last_top.emplace_back(static_cast<int32_t>(indices[i].item<int64_t>()), values[i].item<float>());
      out.push_back(std::move(score));
    }
  }
  return out;
}

}  // namespace lpo
