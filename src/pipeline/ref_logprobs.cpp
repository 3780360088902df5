#include "pipeline/ref_logprobs.hpp"

#include <algorithm>

#include "objectives/batch.hpp"
#include "objectives/response_logps.hpp"
#include "util/progress.hpp"
#include "util/stop_signal.hpp"

namespace lpo::pipeline {

std::vector<ScoredPair> score_pairs(const Transformer& reference, const std::vector<PairTokens>& pairs,
                                    const ScoreOptions& options) {
  at::NoGradGuard no_grad;
  std::vector<ScoredPair> out(pairs.size());
  ProgressBar bar(static_cast<int64_t>(pairs.size()), "ref-logprobs", options.progress);
  const size_t step = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  for (size_t start = 0; start < pairs.size(); start += step) {
    throw_if_stopped("ref-logprobs, after " + std::to_string(start) + " of " + std::to_string(pairs.size()) +
                     " pairs; nothing was written");
    const size_t end = std::min(pairs.size(), start + step);
    std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>> rows;
    for (size_t i = start; i < end; ++i) rows.emplace_back(&pairs[i].prompt, &pairs[i].chosen);
    for (size_t i = start; i < end; ++i) rows.emplace_back(&pairs[i].prompt, &pairs[i].rejected);
    // Plain padded rows: a shard's batches then match the unsharded run's to the bit.
    SequenceLayout batch = collate_sequences(rows, LayoutOptions{false, false});
    objectives::ResponseLogpsOptions logps;
    logps.ld_alpha = options.ld_alpha;  // slots: chosen [0, n), rejected [n, 2n), as it expects
    objectives::ResponseLogps lp = objectives::response_logps(reference, batch, logps);
    at::Tensor sums = lp.sum.to(at::kCPU).to(at::kDouble), counts = lp.count.to(at::kCPU);
    const auto n = static_cast<int64_t>(end - start);
    for (int64_t k = 0; k < n; ++k) {
      ScoredPair& s = out[start + static_cast<size_t>(k)];
      s.tokens = pairs[start + static_cast<size_t>(k)];
      s.reference.chosen_sum = sums[k].item<double>();
      s.reference.rejected_sum = sums[n + k].item<double>();
      s.reference.chosen_len = static_cast<int32_t>(counts[k].item<float>());
      s.reference.rejected_len = static_cast<int32_t>(counts[n + k].item<float>());
    }
    bar.update(static_cast<int64_t>(end));
  }
  return out;
}

}  // namespace lpo::pipeline
