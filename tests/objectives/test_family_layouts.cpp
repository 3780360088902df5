// The training forward (objectives::response_logps over every sequence layout) of every
// supported family against the golden sums of ../shared/models/tiny-*-golden: packed and
// padded, with and without a shared prompt, including sequences longer than the window.
#include "model/model_test_support.hpp"
#include "model/sequence_layout.hpp"
#include "model/transformer.hpp"
#include "objectives/response_logps.hpp"

namespace lpo {
namespace {

class FamilyLayouts : public ::testing::TestWithParam<std::string> {
 protected:
  std::string dir() const { return "models/tiny-" + GetParam() + "-golden"; }
};

// The training forward: each golden list split into a prompt and two responses (the list's own
// continuation, and a different one), scored in every layout. The first response's summed
// log-prob plus the prompt's must equal the golden sum.
TEST_P(FamilyLayouts, TrainingLayoutsMatchGolden) {
  LPO_REQUIRE_SHARED(dir() + "/golden.json");
  Transformer model = load_model(test::shared_path(dir()));
  auto golden = test::read_json(test::shared_path(dir()) + "/golden.json");
  at::NoGradGuard no_grad;
  for (const auto& g : golden) {
    auto ids = g["ids"].get<std::vector<int32_t>>();
    if (ids.size() < 6) continue;
    const size_t split = ids.size() / 3;
    std::vector<int32_t> prompt(ids.begin(), ids.begin() + split), response(ids.begin() + split, ids.end());
    std::vector<int32_t> prompt_tail(prompt.begin() + 1, prompt.end());
    std::vector<int32_t> other(response.rbegin(), response.rend());  // another response to the same prompt
    std::vector<int32_t> lead = {prompt[0]};
    const double want = g["sum_logprob_of_ids_after_first"].get<double>();
    // The second response sits after the first in a shared row, its positions restarted: it
    // must score as in a row of its own (prompt ⧺ other), windows counted by position.
    double other_alone = 0;
    {
      LayoutItem alone{&prompt, {&other}, {0}};
      other_alone = objectives::response_logps(model, layout_sequences({alone}, {false, false}), {}).sum[0].item<double>();
    }
    for (bool share : {true, false}) {
      for (bool pack : {true, false}) {
        // slot 0: prompt[1:] after prompt[0]; slots 1, 2: the two responses after the prompt.
        LayoutItem head{&lead, {&prompt_tail}, {0}};
        LayoutItem pair{&prompt, {&response, &other}, {1, 2}};
        SequenceLayout layout = layout_sequences({head, pair}, {share, pack});
        auto out = objectives::response_logps(model, layout, {});
        double got = out.sum[0].item<double>() + out.sum[1].item<double>();
        EXPECT_NEAR(got, want, 1e-4 * std::abs(want))
            << GetParam() << ": length " << ids.size() << " share " << share << " pack " << pack;
        EXPECT_NEAR(out.sum[2].item<double>(), other_alone, 1e-4 * std::abs(other_alone))
            << GetParam() << ": second response, length " << ids.size() << " share " << share << " pack " << pack;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Families, FamilyLayouts,
                         ::testing::Values("qwen2", "qwen3", "llama3", "mistral", "gemma3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lpo
