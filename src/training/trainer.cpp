#include "training/trainer.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>

#include <torch/csrc/autograd/generated/variable_factories.h>

#include "model/runtime.hpp"
#include "training/checkpoint.hpp"
#include "training/data_order.hpp"
#include "training/lr_schedule.hpp"
#include "training/mixed_precision.hpp"
#include "training/optimizer.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/log.hpp"
#include "util/progress.hpp"
#include "util/stop_signal.hpp"

namespace lpo::training {
namespace {

// Where the weights come from: the newest checkpoint under --load, else --model.
std::string initial_weights(const TrainConfig& config, TrainerState* state) {
  if (!config.load.empty()) {
    std::string ckpt = latest_checkpoint(config.load);
    if (!ckpt.empty()) {
      *state = read_trainer_state(ckpt);
      log::info("resuming from ", ckpt, " (iteration ", state->iteration, ")");
      return ckpt;
    }
    log::warn("--load ", config.load, ": no checkpoint there yet; starting from --model");
  }
  check(!config.model.empty(), "--model is required (the initial policy's model directory)");
  return config.model;
}

// LoRA: the frozen base (bfloat16 with --bf16, else float32) with float32 adapters: fresh
// (PEFT init from --seed) or, when resuming, the checkpoint's, whose base must be the same model.
Transformer load_lora_model(const TrainConfig& config, const std::string& weights, bool resume, c10::Device device) {
  LoraConfig lora = config.lora;
  std::string base = config.model;
  if (resume) {
    const LoraBase recorded = read_lora_base(weights);
    check(!recorded.path.empty(), weights, " is a full checkpoint, not a LoRA one (drop --lora-rank to resume it)");
    if (base.empty()) base = recorded.path;
    const std::string now = base_model_fingerprint(base);
    check(now == recorded.fingerprint, weights, "/lora_base.json: the adapters were trained on ", recorded.path,
          " (fingerprint ", recorded.fingerprint, ") but the base model ", base, " has fingerprint ", now,
          "; pass that --model");
  }
  check(!base.empty(), "--model is required (the base model the adapters train on)");
  Transformer model = load_model(base, device, config.bf16 ? at::kBFloat16 : at::kFloat);
  lora.base_model = std::filesystem::absolute(base).string();
  if (resume) {
    model.load_lora(weights);
    const LoraConfig& got = *model.lora();
    check(got.r == lora.r && got.target_modules == lora.target_modules && got.use_rslora == lora.use_rslora &&
              got.alpha == lora.alpha && got.dropout == lora.dropout,
          weights, "/adapter_config.json: r, lora_alpha, lora_dropout, target_modules or use_rslora differ from "
          "the --lora-* flags of this run");
  } else {
    model.add_lora(lora, config.seed);
  }
  log::info("LoRA: r ", lora.r, ", scale ", lora.scale(), ", ", model.named_adapters().size() / 2,
            " adapted layers, ", [&] {
              int64_t n = 0;
              for (const auto& [name, t] : model.named_adapters()) n += t.numel();
              return n;
            }(), " trainable parameters (base ", model.num_parameters(), " frozen)");
  return model;
}

void accumulate(Metrics& into, const std::map<std::string, double>& m, double weight) {
  for (const auto& [k, v] : m) into[k] += v * weight;
}

// Early stopping on held-out evaluations.
class Patience {
 public:
  explicit Patience(const TrainConfig& c) : config_(c) {}
  /// Records one evaluation; true when the run should stop.
  bool exhausted(const Metrics& m, int64_t iteration) {
    if (config_.eval_patience <= 0) return false;
    auto it = m.find(config_.eval_metric);
    check(it != m.end(), "the evaluator returned no '", config_.eval_metric, "'");
    const double v = config_.eval_higher_is_better ? it->second : -it->second;
    if (!seen_ || v > best_) {
      best_ = v;
      seen_ = true;
      stale_ = 0;
    } else {
      ++stale_;
    }
    return iteration >= config_.eval_min_iters && stale_ >= config_.eval_patience;
  }

 private:
  const TrainConfig& config_;
  bool seen_ = false;
  double best_ = 0;
  int64_t stale_ = 0;
};

// Fails early when --save cannot hold a checkpoint: not writable, or less free space than
// the weights plus AdamW's two moments (3 × the float32 trainable parameters) and a margin.
void check_save_dir(const std::string& save, const Transformer& model) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(save, ec);
  check(!ec, "--save ", save, ": cannot create the directory (", ec.message(), ")");
  const std::string probe = save + "/.write-test";
  try {
    write_file_atomic(probe, "ok\n");
  } catch (const Error& e) {
    fail("--save ", save, " is not writable: ", e.what());
  }
  fs::remove(probe, ec);
  double trainable = 0;  // with LoRA only the adapters are written
  for (const at::Tensor& t : model.trainable_parameters()) trainable += static_cast<double>(t.numel());
  const double need = 3.0 * 4.0 * trainable * 1.1;
  const fs::space_info space = fs::space(save, ec);
  check(ec || static_cast<double>(space.available) >= need, "--save ", save, ": ",
        space.available >> 20, " MiB free but a checkpoint needs about ", static_cast<int64_t>(need) >> 20,
        " MiB (weights + optimizer state); free space or choose another directory");
}

// Averages the step's metrics and loss sum across ranks in place, and agrees on a stop:
// `stop` becomes true on every rank when any rank got a signal.
void average_across_ranks(DataParallel& dp, Metrics& metrics, double& loss_sum, bool& stop) {
  std::vector<double> values;
  for (const auto& [k, v] : metrics) values.push_back(v);
  values.push_back(loss_sum);
  values.push_back(stop ? 1.0 : 0.0);
  dp.average(values);
  size_t i = 0;
  for (auto& [k, v] : metrics) v = values[i++];
  loss_sum = values[i];
  stop = values[i + 1] > 0;
}

// Counts non-finite steps; throws once there are more than `limit` in a row.
class SkipGuard {
 public:
  explicit SkipGuard(int64_t limit) : limit_(limit) {}
  /// Records the outcome of one step; true when its update must be skipped.
  bool skip(int64_t iteration, double loss, double grad_norm) {
    if (std::isfinite(loss) && std::isfinite(grad_norm)) {
      in_a_row_ = 0;
      return false;
    }
    ++total_;
    ++in_a_row_;
    log::warn("iteration ", iteration, ": loss ", loss, ", gradient norm ", grad_norm,
              " is not finite; update skipped (", in_a_row_, " in a row, ", total_, " in all)");
    check(in_a_row_ <= limit_, "iteration ", iteration, ": ", in_a_row_,
          " steps in a row had a non-finite loss or gradient norm (--max-skipped-steps ", limit_,
          "); stopping. Lower --lr or check the data; the last checkpoint is intact");
    return true;
  }
  int64_t total() const { return total_; }

 private:
  int64_t limit_, in_a_row_ = 0, total_ = 0;
};

}  // namespace

TrainResult train(const TrainConfig& config, Task& task, const Evaluator& evaluator, DataParallel* parallel) {
  DataParallel single({}, std::chrono::milliseconds(0));
  DataParallel& dp = parallel ? *parallel : single;
  const int world = dp.world_size(), rank = dp.rank();
  const int64_t accum = config.accumulation_steps(world);
  check(config.train_iters > 0, "--train-iters must be positive");
  TrainerState state;
  const std::string weights = initial_weights(config, &state);
  const c10::Device device = parse_device(config.device);
  if (state.iteration > 0 && !config.use_lora())
    check(read_lora_base(weights).path.empty(), weights,
          " is a LoRA checkpoint (adapters only): resume it with the --lora-rank, --lora-alpha, --lora-dropout, "
          "--lora-target-modules and --use-rslora flags it was trained with");
  Transformer model = config.use_lora() ? load_lora_model(config, weights, state.iteration > 0, device)
                                        : load_model(weights, device);  // float32: the master weights
  if (state.iteration > 0 && !config.use_lora()) load_master_weights(weights, model);  // exact masters of a bf16 checkpoint
  model.set_requires_grad(true);  // with LoRA: the adapters only
  auto optimizer = make_adamw(model, config.optim);
  if (state.iteration > 0) load_optimizer_state(weights, *optimizer, device);
  const std::vector<at::Tensor> params = model.trainable_parameters();

  dp.broadcast(params);  // identical starting weights whatever each rank loaded
  // LoRA with --bf16: the frozen base is already bfloat16 and the adapters float32, no copy.
  MixedPrecision precision(model, config.bf16 && !config.use_lora());
  if (precision.enabled()) log::info("--bf16: bfloat16 forward/backward, float32 master weights and AdamW state");
  if (!config.save.empty() && dp.is_main()) check_save_dir(config.save, model);
  StopSignal stop;
  SkipGuard guard(config.max_skipped_steps);

  LrSchedule schedule{config.optim.lr, config.optim.min_lr, config.optim.lr_warmup_iters, config.train_iters};
  DataOrder order(task.size(), config.seed);
  std::string log_path = dp.is_main() ? config.log_file : "";
  if (log_path.empty() && !config.save.empty() && dp.is_main()) {
    std::filesystem::create_directories(config.save);
    log_path = config.save + "/metrics.jsonl";
  }
  MetricsLog metrics_log(log_path, dp.is_main() ? config.tensorboard_dir : "", dp.is_main());
  Patience patience(config);
  ProgressBar bar(config.train_iters, "train", config.progress && dp.is_main(), state.iteration);

  TrainResult result;
  result.start_iteration = state.iteration;
  Metrics window;  // sums over the iterations since the last log line
  int64_t window_iters = 0, window_tokens = 0;
  auto window_t0 = std::chrono::steady_clock::now();
  for (int64_t iter = state.iteration; iter < config.train_iters; ++iter) {
    const double lr = schedule.at(iter);
    set_learning_rate(*optimizer, lr);
    release_gradients(*optimizer);
    Metrics step_metrics;
    double loss_sum = 0;
    for (int64_t m = 0; m < accum; ++m) {
      // This rank's micro-batch m is micro-batch m · world + rank of the global batch.
      std::vector<int64_t> indices;
      const int64_t first = state.consumed_samples + (m * world + rank) * config.micro_batch_size;
      for (int64_t b = 0; b < config.micro_batch_size; ++b) indices.push_back(order.at(first + b));
      // LoRA dropout masks from (seed, iteration, micro-batch, rank): a resumed run redraws them.
      precision.compute().set_lora_dropout_seed(
          static_cast<int64_t>((config.seed * 1000003ULL + static_cast<uint64_t>(iter)) * 4099ULL +
                               static_cast<uint64_t>(m * world + rank)) & 0x3fffffffffffffffLL);
      MicroStep micro = task.micro_step(precision.compute(), indices);
      const double loss = micro.loss.item<double>();
      loss_sum += loss;
      if (std::isfinite(loss)) (micro.loss / static_cast<double>(accum)).backward();  // NaN would poison the grads
      precision.compute().set_lora_dropout_seed(-1);  // evaluation and saving see no dropout
      precision.accumulate_gradients();
      accumulate(step_metrics, micro.metrics, 1.0 / static_cast<double>(accum));
      window_tokens += micro.tokens * world;  // every rank did about as much
    }
    state.consumed_samples += config.global_batch_size;
    dp.average_gradients(params);
    bool stop_now = stop.requested();
    average_across_ranks(dp, step_metrics, loss_sum, stop_now);
    const double grad_norm = clip_grad_norm(params, config.optim.clip_grad);
    step_metrics["grad_norm"] = grad_norm;
    step_metrics["learning_rate"] = lr;
    const bool skipped = guard.skip(iter + 1, loss_sum, grad_norm);
    if (!skipped) {
      optimizer->step();
      precision.refresh_weights();
    }
    step_metrics["skipped_steps"] = static_cast<double>(guard.total());
    state.iteration = iter + 1;

    if (iter == result.start_iteration) result.first = step_metrics;
    result.last = step_metrics;
    accumulate(window, step_metrics, 1.0);
    ++window_iters;
    bool exiting = (config.exit_interval > 0 && state.iteration % config.exit_interval == 0) || stop_now;
    if (evaluator && config.eval_interval > 0 && state.iteration % config.eval_interval == 0) {
      bar.clear();
      Metrics eval = evaluator(precision.compute());
      metrics_log.write(state.iteration, config.train_iters, eval);
      result.evaluations.emplace_back(state.iteration, eval);
      if (patience.exhausted(eval, state.iteration)) {
        log::info("held-out ", config.eval_metric, " has not improved for ", config.eval_patience,
                  " evaluations: stopping at iteration ", state.iteration);
        result.stopped_early = exiting = true;
      }
    }
    const bool last = state.iteration == config.train_iters || exiting;
    if (state.iteration % std::max<int64_t>(1, config.log_interval) == 0 || last) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - window_t0).count();
      for (auto& [k, v] : window) v /= static_cast<double>(window_iters);
      window["tokens_per_s"] = static_cast<double>(window_tokens) / std::max(secs, 1e-9);
      window["consumed_samples"] = static_cast<double>(state.consumed_samples);
      bar.clear();
      metrics_log.write(state.iteration, config.train_iters, window);
      window.clear();
      window_iters = window_tokens = 0;
      window_t0 = std::chrono::steady_clock::now();
    }
    bar.update(state.iteration);
    const bool save_now = config.save_interval > 0 && state.iteration % config.save_interval == 0;
    if (!config.save.empty() && (save_now || last)) {
      state.config = config.to_json();
      bar.clear();
      if (dp.is_main()) {
        result.checkpoint = save_checkpoint(config.save, model, *optimizer, state, config.model);
        prune_checkpoints(config.save, config.keep_checkpoints);
        log::info("saved checkpoint ", result.checkpoint);
      }
      dp.barrier();  // no rank runs ahead of (or exits before) the checkpoint
    }
    if (exiting) break;
  }
  result.iterations = state.iteration;
  result.skipped_steps = guard.total();
  result.stop_signal = stop.signal_number();
  if (result.stop_signal)
    log::info("stopped by signal ", result.stop_signal, " at iteration ", state.iteration,
              config.save.empty() ? " (no --save: nothing written)" : "; resume with --load " + config.save);
  return result;
}

}  // namespace lpo::training
