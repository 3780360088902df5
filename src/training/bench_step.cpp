#include "training/bench_step.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "model/runtime.hpp"
#include "objectives/batch.hpp"
#include "training/mixed_precision.hpp"
#include "training/optimizer.hpp"
#include "training/preference_task.hpp"
#include "util/error.hpp"

namespace lpo::training {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

ModelConfig bench_model(const BenchStepOptions& o) {
  ModelConfig c;
  c.model_type = "qwen2";
  c.vocab_size = o.vocab;
  c.hidden_size = o.hidden;
  c.intermediate_size = o.intermediate;
  c.num_hidden_layers = o.layers;
  c.num_attention_heads = o.heads;
  c.num_key_value_heads = o.kv_heads;
  check(o.heads > 0 && o.hidden % o.heads == 0, "bench train-step: --hidden must be a multiple of --heads");
  c.head_dim = o.hidden / o.heads;
  c.max_position_embeddings = o.prompt_len + o.response_len;
  c.rope_theta = 1e6;
  c.attention_bias = true;
  c.tie_word_embeddings = false;
  return c;
}

std::vector<ScoredPair> random_pairs(const BenchStepOptions& o) {
  std::mt19937_64 rng(o.seed);
  auto ids = [&](int64_t n) {
    std::vector<int32_t> v(static_cast<size_t>(n));
    for (auto& id : v) id = static_cast<int32_t>(rng() % static_cast<uint64_t>(o.vocab));
    return v;
  };
  std::vector<ScoredPair> pairs;
  for (int64_t i = 0; i < o.pairs; ++i) {
    ScoredPair p;
    p.tokens = {ids(o.prompt_len), ids(o.response_len), ids(o.response_len)};
    const auto n = static_cast<int32_t>(o.response_len);
    p.reference = {-10.0 * n, -10.5 * n, n, n};  // ~ -ln(32000) per token: a random model's level
    pairs.push_back(std::move(p));
  }
  return pairs;
}

// Matrix parameters of one transformer layer (q, k, v, o and the SwiGLU MLP).
double layer_matrix_params(const ModelConfig& c) {
  const double h = static_cast<double>(c.hidden_size), q = static_cast<double>(c.num_attention_heads * c.head_dim);
  const double kv = static_cast<double>(c.num_key_value_heads * c.head_dim);
  return 2 * h * q + 2 * h * kv + 3 * h * static_cast<double>(c.intermediate_size);
}

// Forward + backward FLOPs of one step on `layout` (see the header for the accounting).
double layout_gflop(const ModelConfig& c, const SequenceLayout& layout) {
  double row_tokens = static_cast<double>(layout.ids.numel()), scores = 0;
  if (layout.spans.empty()) {
    scores = static_cast<double>(layout.ids.size(0)) * std::pow(static_cast<double>(layout.ids.size(1)), 2);
  } else {
    for (const AttentionSpan& s : layout.spans) scores += std::pow(static_cast<double>(s.length), 2);
  }
  const double layers = static_cast<double>(c.num_hidden_layers);
  const double dense = 6 * layer_matrix_params(c) * layers * row_tokens;
  const double attention = 12 * layers * static_cast<double>(c.num_attention_heads * c.head_dim) * scores;
  const double head = 6 * static_cast<double>(c.hidden_size * c.vocab_size) * static_cast<double>(layout.score_label.numel());
  return (dense + attention + head) / 1e9;
}

double needed_gflop(const ModelConfig& c, const BenchStepOptions& o) {
  const double tokens = static_cast<double>(o.pairs * (o.prompt_len + 2 * o.response_len));
  const double scored = static_cast<double>(o.pairs * 2 * o.response_len);
  return (6 * layer_matrix_params(c) * static_cast<double>(c.num_hidden_layers) * tokens +
          6 * static_cast<double>(c.hidden_size * c.vocab_size) * scored) / 1e9;
}

std::string path_name(const ComputeOptions& c) {
  std::string name = c.layout.share_prefix ? "shared" : "plain";
  if (c.layout.pack) name += "+packed";
  if (c.logps.recompute_activations) name += "+recompute";
  return name;
}

}  // namespace

nlohmann::json bench_train_step(const BenchStepOptions& o) {
  check(o.pairs > 0 && o.prompt_len > 0 && o.response_len > 0 && o.steps > 0 && o.warmup >= 0,
        "bench train-step: --pairs, --prompt-len, --response-len and --steps must be positive");
  // The best of several products: a ceiling, so MFU errs low rather than above 1.
  const at::ScalarType dtype = o.bf16 ? at::kBFloat16 : at::kFloat;
  const double gemm_gflops =
      bench_gemm(o.device.is_cuda() ? 8192 : 2048, 5, o.device, dtype)["best_gflops"].get<double>();
  Transformer model(bench_model(o), o.device);
  model.init_random(o.seed);
  model.set_requires_grad(true);
  OptimizerConfig optim;
  optim.lr = 1e-5;
  optim.weight_decay = 0.01;
  auto optimizer = make_adamw(model, optim);
  objectives::LossConfig loss;
  loss.type = o.loss_type;
  if (o.loss_type == "sigmoid" || o.loss_type == "dpo") {
    loss.beta = 0.1;
  } else {
    loss.add_sft_loss = loss.is_average = true;  // the seed's LPO recipe
  }
  const VectorPairSource pairs(random_pairs(o));
  PreferenceTask task(pairs, loss, o.compute);
  MixedPrecision precision(model, o.bf16);
  std::vector<int64_t> all(static_cast<size_t>(o.pairs));
  std::iota(all.begin(), all.end(), 0);
  std::vector<double> seconds;
  for (int s = 0; s < o.warmup + o.steps; ++s) {
    if (s == o.warmup) reset_peak_memory(o.device);
    synchronize(o.device);
    const auto t0 = Clock::now();
    release_gradients(*optimizer);
    MicroStep step = task.micro_step(precision.compute(), all);
    step.loss.backward();
    precision.accumulate_gradients();
    optimizer->step();
    precision.refresh_weights();
    synchronize(o.device);
    if (s >= o.warmup) seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const double step_s = median(seconds);
  const int64_t tokens = o.pairs * (2 * o.prompt_len + 2 * o.response_len);
  std::vector<const ScoredPair*> selected;
  for (int64_t i = 0; i < o.pairs; ++i) selected.push_back(&pairs.pairs()[static_cast<size_t>(i)]);
  const double done = layout_gflop(model.config(), collate_pairs(selected, false, o.compute.layout).layout);
  const double needed = needed_gflop(model.config(), o);
  nlohmann::json out = {{"tokens_per_s", static_cast<double>(tokens) / step_s},
          {"step_ms", 1000 * step_s},
          {"peak_rss_mb", peak_memory_mb(c10::kCPU)},
          {"peak_memory_mb", peak_memory_mb(o.device)},
          {"device", o.device.str()},
          {"dtype", o.bf16 ? "bf16-mixed" : "float32"},
          {"tokens_per_step", tokens},
          {"path", path_name(o.compute)},
          {"model_gflop", done},
          {"needed_gflop", needed},
          {"gemm_gflops", gemm_gflops},
          {"mfu", done / step_s / gemm_gflops},
          {"mfu_needed", needed / step_s / gemm_gflops}};
  if (o.peak_tflops > 0) out["mfu_peak"] = done / step_s / (1000 * o.peak_tflops);
  return out;
}

nlohmann::json bench_gemm(int64_t n, int reps, c10::Device device, at::ScalarType dtype) {
  check(n > 0 && reps > 0, "bench gemm: --n and --reps must be positive");
  const auto options = at::TensorOptions().device(device).dtype(dtype);
  at::Tensor a = at::randn({n, n}, options), b = at::randn({n, n}, options);
  at::mm(a, b);  // warm up the BLAS threads (or the GPU's clocks and cuBLAS handle)
  synchronize(device);
  std::vector<double> seconds;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    at::Tensor c = at::mm(a, b);
    synchronize(device);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const double s = median(seconds), best = *std::min_element(seconds.begin(), seconds.end());
  const double flop = 2.0 * static_cast<double>(n) * n * n;
  return {{"gflops", flop / s / 1e9}, {"best_gflops", flop / best / 1e9}, {"n", n}, {"ms", 1000 * s}};
}

}  // namespace lpo::training
