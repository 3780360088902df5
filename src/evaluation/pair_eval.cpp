#include "evaluation/pair_eval.hpp"

#include <algorithm>

#include "objectives/batch.hpp"
#include "objectives/response_logps.hpp"
#include "util/error.hpp"

namespace lpo::evaluation {

PairEval evaluate_pairs(const Transformer& policy, const PairSource& pairs,
                        const objectives::LossConfig& loss, int64_t batch_size) {
  const int64_t n = pairs.size();
  check(n > 0, "evaluate_pairs: no pairs");
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> pc, pr, rc, rr, nc, nr;
  const int64_t step = std::max<int64_t>(1, batch_size);
  for (int64_t start = 0; start < n; start += step) {
    std::vector<ScoredPair> fetched;
    for (int64_t i = start; i < std::min(n, start + step); ++i) fetched.push_back(pairs.get(i));
    std::vector<const ScoredPair*> chunk;
    for (const ScoredPair& p : fetched) chunk.push_back(&p);
    PairBatch batch = collate_pairs(chunk, /*is_average=*/false, LayoutOptions{});  // sums
    objectives::ResponseLogpsOptions options;
    options.ld_alpha = loss.ld_alpha;
    objectives::ResponseLogps lp = objectives::response_logps(policy, batch.layout, options);
    at::Tensor logps = lp.sum.to(at::kDouble), count = lp.count.to(at::kDouble);
    const int64_t B = batch.num_pairs;
    pc.push_back(logps.narrow(0, 0, B));
    pr.push_back(logps.narrow(0, B, B));
    rc.push_back(batch.ref_logps.narrow(0, 0, B));
    rr.push_back(batch.ref_logps.narrow(0, B, B));
    nc.push_back(count.narrow(0, 0, B));
    nr.push_back(count.narrow(0, B, B));
  }
  objectives::PreferenceInputs in;
  in.policy_chosen = at::cat(pc), in.policy_rejected = at::cat(pr), in.ref_chosen = at::cat(rc);
  in.ref_rejected = at::cat(rr), in.chosen_tokens = at::cat(nc), in.rejected_tokens = at::cat(nr);
  objectives::LossConfig eval_loss = loss;
  eval_loss.use_weighting = false;  // held-out numbers unweighted
  objectives::LossOutput out = objectives::preference_loss(eval_loss, in);
  // Sums, or means under --is-average, for the summaries below.
  const at::Tensor c = loss.is_average ? in.policy_chosen / in.chosen_tokens : in.policy_chosen;
  const at::Tensor r = loss.is_average ? in.policy_rejected / in.rejected_tokens : in.policy_rejected;
  const at::Tensor ref_c = loss.is_average ? in.ref_chosen / in.chosen_tokens : in.ref_chosen;
  const at::Tensor ref_r = loss.is_average ? in.ref_rejected / in.rejected_tokens : in.ref_rejected;
  at::Tensor x1 = c - ref_c, x2 = r - ref_r;
  PairEval e;
  e.pairs = n;
  e.loss = out.loss.item<double>();
  e.accuracy = (x1 > x2).to(at::kDouble).mean().item<double>();
  e.margin = (loss.beta * (x1 - x2)).mean().item<double>();
  e.chosen_logps = c.mean().item<double>();
  e.rejected_logps = r.mean().item<double>();
  e.chosen_delta = x1.mean().item<double>();
  e.rejected_delta = x2.mean().item<double>();
  return e;
}

}  // namespace lpo::evaluation
