// The optimizer step against hand computation: global-norm clipping over several parameters,
// one and two AdamW steps with bias correction, which parameters get weight decay, and the
// logged learning rate against the schedule's formula at every step.
#include <cmath>

#include "trainer_fixture.hpp"
#include "training/optimizer.hpp"

namespace lpo::training {
namespace {

at::Tensor grad_of(std::vector<float> values, std::vector<int64_t> shape) {
  return at::tensor(values, at::kFloat).reshape(shape);
}

// Three parameters with gradients [3, 4], [[12]], [[0, 0], [0, 0]] (global norm
// sqrt(9 + 16 + 144) = 13) and one without a gradient.
std::vector<at::Tensor> clip_parameters() {
  std::vector<at::Tensor> ps{at::zeros({2}), at::zeros({1, 1}), at::zeros({2, 2}), at::zeros({3})};
  ps[0].mutable_grad() = grad_of({3, 4}, {2});
  ps[1].mutable_grad() = grad_of({12}, {1, 1});
  ps[2].mutable_grad() = at::zeros({2, 2});
  return ps;
}

std::vector<float> flat_grads(const std::vector<at::Tensor>& ps) {
  std::vector<float> out;
  for (const auto& p : ps)
    if (p.grad().defined())
      for (int64_t i = 0; i < p.grad().numel(); ++i) out.push_back(p.grad().reshape({-1})[i].item<float>());
  return out;
}

}  // namespace

TEST(Optimizer, ClipGradNormScalesOnlyAboveTheMaximumAndReturnsThePreClipNorm) {
  const std::vector<float> original{3, 4, 12, 0, 0, 0, 0};
  for (double max_norm : {0.0, 26.0, 13.0}) {  // off; above the norm; equal (not above): untouched
    auto ps = clip_parameters();
    EXPECT_NEAR(clip_grad_norm(ps, max_norm), 13.0, 1e-12) << max_norm;
    EXPECT_EQ(flat_grads(ps), original) << max_norm;
    EXPECT_FALSE(ps[3].grad().defined());
  }
  auto ps = clip_parameters();
  EXPECT_NEAR(clip_grad_norm(ps, 6.5), 13.0, 1e-12);  // the norm before clipping
  // Every gradient scaled by the same 6.5 / 13 = 0.5 (global, not per parameter): [1.5, 2], [[6]].
  const auto clipped = flat_grads(ps);
  const std::vector<float> want{1.5f, 2.0f, 6.0f, 0, 0, 0, 0};
  ASSERT_EQ(clipped.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(clipped[i], want[i], 1e-6) << i;
  EXPECT_NEAR(clip_grad_norm(ps, 0.0), 6.5, 1e-5);  // the new global norm is the maximum
  std::vector<at::Tensor> none{at::zeros({2})};
  EXPECT_EQ(clip_grad_norm(none, 1.0), 0.0);  // no gradients at all
}

namespace {

Transformer tiny_model() {
  ModelConfig c = preset_config("tiny", 16);
  c.hidden_size = 8;
  c.intermediate_size = 16;
  c.num_hidden_layers = 1;
  c.num_attention_heads = 2;
  c.num_key_value_heads = 1;
  c.tie_word_embeddings = false;
  c.attention_bias = true;  // q/k/v biases: 1-D parameters besides the norms
  Transformer model(c);
  model.init_random(5, 0.5);
  return model;
}

// A deterministic gradient for element i of parameter k at step s (mixed signs and sizes).
float fake_grad(size_t k, int64_t i, int s) {
  return static_cast<float>(std::sin(0.7 * static_cast<double>(i) + 1.3 * static_cast<double>(k) + 2.1 * s) *
                            (0.5 + static_cast<double>(i % 3)));
}

}  // namespace

// Two AdamW steps (torch's decoupled AdamW, Loshchilov & Hutter 2019, algorithm 2) computed
// element by element in double:
//   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   p ← p − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + eps)
// with wd on parameters of two or more dimensions only (embeddings, projections, the head)
// and none on norms and biases. Step 1 by hand for g = 0.5, lr = 0.01, wd = 0.1, p = 1:
// m = 0.05, v = 0.05·0.25 = 0.0125, m̂ = 0.05/0.1 = 0.5, v̂ = 0.0125/0.05 = 0.25,
// p = 1·(1 − 0.01·0.1) − 0.01·0.5/0.5 = 0.989 (without bias correction: 1 − 0.001 −
// 0.01·0.05/sqrt(0.0125) = 0.99453; without decay: 0.99).
TEST(Optimizer, AdamWTwoStepsMatchHandComputationWithBiasCorrectionAndDecayOnMatricesOnly) {
  Transformer model = tiny_model();
  OptimizerConfig oc;
  oc.lr = 0.01;
  oc.weight_decay = 0.1;
  oc.adam_beta1 = 0.9;
  oc.adam_beta2 = 0.95;
  oc.adam_eps = 1e-8;
  auto optimizer = make_adamw(model, oc);
  const auto& named = model.named_parameters();
  std::vector<std::vector<double>> p0, m(named.size()), v(named.size());
  for (const auto& [name, p] : named) {
    std::vector<double> values(static_cast<size_t>(p.numel()));
    for (int64_t i = 0; i < p.numel(); ++i) values[static_cast<size_t>(i)] = p.reshape({-1})[i].item<float>();
    p0.push_back(values);
  }
  int decayed = 0, undecayed = 0;
  for (size_t k = 0; k < named.size(); ++k) {
    const std::string& name = named[k].first;
    const bool norm_or_bias = name.find("norm") != std::string::npos || name.find("bias") != std::string::npos;
    EXPECT_EQ(named[k].second.dim() >= 2, !norm_or_bias) << name;
    (norm_or_bias ? undecayed : decayed) += 1;
  }
  EXPECT_GT(decayed, 0);
  EXPECT_GT(undecayed, 0);
  auto want = p0;
  for (int step = 1; step <= 2; ++step) {
    for (size_t k = 0; k < named.size(); ++k) {
      const at::Tensor& p = named[k].second;
      std::vector<float> g(static_cast<size_t>(p.numel()));
      for (int64_t i = 0; i < p.numel(); ++i) g[static_cast<size_t>(i)] = fake_grad(k, i, step);
      p.mutable_grad() = at::tensor(g, at::kFloat).reshape(p.sizes());
      const std::string& name = named[k].first;
      const bool decays = name.find("norm") == std::string::npos && name.find("bias") == std::string::npos;
      const double wd = decays ? oc.weight_decay : 0.0;
      m[k].resize(g.size());
      v[k].resize(g.size());
      for (size_t i = 0; i < g.size(); ++i) {
        m[k][i] = 0.9 * m[k][i] + 0.1 * g[i];
        v[k][i] = 0.95 * v[k][i] + 0.05 * static_cast<double>(g[i]) * g[i];
        const double m_hat = m[k][i] / (1 - std::pow(0.9, step));
        const double v_hat = v[k][i] / (1 - std::pow(0.95, step));
        want[k][i] = want[k][i] * (1 - 0.01 * wd) - 0.01 * m_hat / (std::sqrt(v_hat) + 1e-8);
      }
    }
    optimizer->step();
    for (size_t k = 0; k < named.size(); ++k) {
      const at::Tensor flat = named[k].second.reshape({-1});
      for (size_t i = 0; i < want[k].size(); ++i)
        ASSERT_NEAR(flat[static_cast<int64_t>(i)].item<float>(), want[k][i], 2e-6)
            << named[k].first << "[" << i << "] after step " << step;
    }
  }
  // The hand example of the comment: g = 0.5 on p = 1 gives 0.989 after one step.
  Transformer one = tiny_model();
  auto opt1 = make_adamw(one, oc);
  const at::Tensor& head = one.named_parameters().back().second;  // lm_head.weight: decays
  ASSERT_GE(head.dim(), 2);
  {
    at::NoGradGuard no_grad;
    head.fill_(1.0);
  }
  for (const auto& [name, p] : one.named_parameters()) p.mutable_grad() = at::full(p.sizes(), 0.5f);
  opt1->step();
  EXPECT_NEAR(head.reshape({-1})[0].item<float>(), 0.989, 1e-6);
}

// `learning_rate` in metrics.jsonl is the schedule's value at each step: linear warmup over 2
// steps to 3e-3, then cosine to 3e-4 at step 6 (the formula written out, not LrSchedule).
TEST(Optimizer, LoggedLearningRateIsTheScheduleAtEveryStep) {
  Fixture f = make_fixture(test::temp_dir("fx"));
  VectorPairSource source = f.source();
  TrainConfig c = lpo_config(f, f.dir + "/run", 6);
  c.optim.min_lr = 3e-4;
  c.micro_batch_size = c.global_batch_size = 2;
  PreferenceTask task(source, c.loss);
  train(c, task);
  std::vector<double> logged;
  for_each_json_line(f.dir + "/run/metrics.jsonl",
                     [&](const nlohmann::json& j, long) { logged.push_back(j.at("learning_rate").get<double>()); });
  auto cosine = [](double p) { return 3e-4 + 2.7e-3 * 0.5 * (1 + std::cos(M_PI * p)); };
  const std::vector<double> want{1.5e-3, 3e-3, cosine(0.0), cosine(0.25), cosine(0.5), cosine(0.75)};
  ASSERT_EQ(logged.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(logged[i], want[i], 1e-15) << "step " << i + 1;
}

}  // namespace lpo::training
