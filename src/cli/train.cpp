// `lpo train`: preference optimization (LPO, DPO, ...) or SFT of a model directory.
#include <iostream>

#include <chrono>
#include <cstdlib>

#include "cli/command.hpp"
#include "cli/local_launch.hpp"
#include "model/runtime.hpp"
#include "objectives/registry.hpp"
#include "training/preference_task.hpp"
#include "training/sft_task.hpp"
#include "training/task_eval.hpp"
#include "training/trainer.hpp"
#include "training/training_data.hpp"
#include "util/error.hpp"
#include "util/stop_signal.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  ComputeFlags compute;
  training::TrainConfig config;
  bool skip_bad_lines = false;
  int64_t data_cache_mb = 64;
  std::string eval_data;
  int nproc_per_node = 1;
  int dist_timeout_s = 600;
  std::string lora_targets = "q_proj,v_proj";  // PEFT's default for Llama/Qwen
};

std::string loss_names() {
  std::string out;
  for (const auto& name : objectives::loss_type_names()) out += (out.empty() ? "" : "|") + name;
  return out;
}

void add_flags(CLI::App& app, Flags& f) {
  auto& c = f.config;
  app.add_option("--model", c.model, "initial policy model directory (the reference model too)");
  app.add_option("--data-path", c.data_path,
                 "xpo: PREFIX of an `lpo build-dataset` dataset or scored pairs JSONL (reference-free losses: "
                 "also unscored pairs JSONL; kto: scored KTO examples); sft: prompt/response JSONL")
      ->required();
  app.add_option("--data-cache-mb", f.data_cache_mb,
                 "packed dataset: MiB of mapped data kept resident before it is dropped")
      ->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--train-mode", c.train_mode, "xpo (preference loss) or sft")
      ->check(CLI::IsMember({"xpo", "sft"}))->capture_default_str();
  app.add_option("--save", c.save, "checkpoint directory");
  app.add_option("--load", c.load, "resume from the newest checkpoint here");
  app.add_option("--loss-type", c.loss.type,
                 "one of " + loss_names() + "; or several joined by commas (sigmoid,sft) with --loss-weights")
      ->capture_default_str();
  app.add_option("--loss-weights", c.loss.loss_weights, "one weight per --loss-type entry (default 1 each)")
      ->delimiter(',');
  app.add_option("--simpo-gamma", c.loss.simpo_gamma, "simpo target reward margin (nats/token)")
      ->capture_default_str();
  app.add_option("--cpo-alpha", c.loss.cpo_alpha, "cpo: weight of the chosen NLL term")->capture_default_str();
  app.add_option("--discopop-tau", c.loss.discopop_tau, "discopop temperature")->capture_default_str();
  app.add_option("--f-divergence", c.loss.f_divergence, "divergence of the DPO-family scores")
      ->check(CLI::IsMember({"reverse_kl", "forward_kl", "js_divergence", "alpha_divergence"}))
      ->capture_default_str();
  app.add_option("--f-alpha", c.loss.f_alpha, "alpha of --f-divergence alpha_divergence")->capture_default_str();
  app.add_option("--desirable-weight", c.loss.desirable_weight, "kto: weight of desirable examples")
      ->capture_default_str();
  app.add_option("--undesirable-weight", c.loss.undesirable_weight, "kto: weight of undesirable examples")
      ->capture_default_str();
  app.add_flag("--use-weighting", c.loss.use_weighting, "WPO: weight each pair by its policy's own probability");
  app.add_option("--ld-alpha", c.loss.ld_alpha,
                 "LD-DPO: weight of response tokens past the pair's shorter response (1: off; score the "
                 "reference with the same `ref-logprobs --ld-alpha`)")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--beta", c.loss.beta)->capture_default_str();
  app.add_option("--gamma", c.loss.gamma, "weight of the positive term (with --add-sft-loss)")->capture_default_str();
  app.add_option("--r1", c.loss.r1, "lpo-ste chosen-gradient coefficient")->capture_default_str();
  app.add_option("--r2", c.loss.r2, "lpo-ste rejected-gradient coefficient")->capture_default_str();
  app.add_option("--label-smoothing", c.loss.label_smoothing)->capture_default_str();
  app.add_flag("--add-sft-loss", c.loss.add_sft_loss, "add gamma * max(0, ref_chosen - policy_chosen)");
  app.add_flag("--is-average", c.loss.is_average, "mean instead of summed response log-probs");
  auto& o = c.optim;
  app.add_option("--lr", o.lr)->capture_default_str();
  app.add_option("--min-lr", o.min_lr)->capture_default_str();
  app.add_option("--lr-warmup-iters", o.lr_warmup_iters)->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay,
                 "AdamW decoupled weight decay, applied only to parameters with 2 or more dimensions"
                 " (embeddings, projections, lm_head), never to 1-D ones (norms, biases)")
      ->capture_default_str();
  app.add_option("--adam-beta1", o.adam_beta1)->capture_default_str();
  app.add_option("--adam-beta2", o.adam_beta2)->capture_default_str();
  app.add_option("--adam-eps", o.adam_eps)->capture_default_str();
  app.add_option("--clip-grad", o.clip_grad, "max global gradient norm (0: off)")->capture_default_str();
  app.add_option("--train-iters", c.train_iters)->capture_default_str();
  app.add_option("--micro-batch-size", c.micro_batch_size, "pairs per forward pass")->capture_default_str();
  app.add_option("--global-batch-size", c.global_batch_size, "pairs per optimizer step")->capture_default_str();
  app.add_option("--seq-length", c.seq_length, "max tokens of prompt + response; xpo: must match the scored data (0: take it)")->capture_default_str();
  app.add_option("--save-interval", c.save_interval, "iterations between checkpoints (0: at the end)")
      ->capture_default_str();
  app.add_option("--keep-checkpoints", c.keep_checkpoints, "keep only the newest K checkpoints (0: all)")
      ->capture_default_str();
  app.add_option("--max-skipped-steps", c.max_skipped_steps,
                 "abort after this many steps in a row with a non-finite loss or gradient norm")
      ->capture_default_str();
  app.add_option("--log-interval", c.log_interval)->capture_default_str();
  app.add_option("--exit-interval", c.exit_interval, "stop after an iteration divisible by this")
      ->capture_default_str();
  app.add_option("--seed", c.seed)->capture_default_str();
  app.add_option("--eval-data", f.eval_data, "held-out data in the training data's format");
  app.add_option("--eval-interval", c.eval_interval, "evaluate on --eval-data every N iterations")
      ->capture_default_str();
  app.add_option("--eval-patience", c.eval_patience,
                 "stop after N evaluations without a lower held-out loss (0: never)")->capture_default_str();
  app.add_option("--eval-min-iters", c.eval_min_iters, "--eval-patience applies from this iteration on")
      ->capture_default_str();
  app.add_option("--tensorboard-dir", c.tensorboard_dir, "also write TensorBoard event files here");
  app.add_option("--log-file", c.log_file, "metrics JSONL (default: <save>/metrics.jsonl)");
  app.add_flag("--skip-bad-lines", f.skip_bad_lines, "sft data: skip and count bad lines");
  app.add_option("--nproc-per-node", f.nproc_per_node,
                 "start N local data-parallel ranks (torchrun's flag; under torchrun or srun leave it out)")
      ->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--dist-timeout", f.dist_timeout_s,
                 "seconds a rank waits for the others (rendezvous and each collective) before failing")
      ->check(CLI::PositiveNumber)->capture_default_str();
  app.add_flag("!--no-prefix-sharing", c.compute.layout.share_prefix,
               "run the prompt once per response instead of once per pair (same numbers, slower)");
  app.add_flag("!--no-packing", c.compute.layout.pack,
               "one padded row per sequence instead of one packed row per micro-batch");
  app.add_flag("--recompute-activations", c.compute.logps.recompute_activations,
               "keep only each layer's input and recompute the layer in backward (less memory)");
  app.add_flag("!--no-progress", c.progress, "no progress bar");
  app.add_option("--lora-rank", c.lora.r, "train LoRA adapters of this rank on a frozen base (0: full fine-tuning)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--lora-alpha", c.lora.alpha, "LoRA alpha: the adapter's scale is alpha / rank")->capture_default_str();
  app.add_option("--lora-dropout", c.lora.dropout, "dropout on the adapters' input (training only)")
      ->check(CLI::Range(0.0, 0.999))->capture_default_str();
  app.add_option("--lora-target-modules", f.lora_targets,
                 "comma-separated PEFT module names (q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj) "
                 "or all-linear")->capture_default_str();
  app.add_flag("--use-rslora", c.lora.use_rslora, "rank-stabilised LoRA: scale alpha / sqrt(rank)");
  add_compute_flags(app, f.compute);
}

void print_summary(const training::TrainResult& r) {
  std::cout << "trained iterations " << r.start_iteration + 1 << ".." << r.iterations << "\n";
  for (const char* key : {"loss", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected"}) {
    auto a = r.first.find(key), b = r.last.find(key);
    if (a != r.first.end() && b != r.last.end())
      std::cout << "  " << key << ": " << a->second << " -> " << b->second << "\n";
  }
  if (r.skipped_steps) std::cout << "skipped updates (non-finite loss or gradient): " << r.skipped_steps << "\n";
  if (!r.checkpoint.empty()) std::cout << "checkpoint: " << r.checkpoint << "\n";
  if (r.stop_signal) std::cout << "stopped by signal " << r.stop_signal << " after a checkpoint\n";
}

// The held-out evaluator for --eval-data (none without it).
training::Evaluator evaluator(const Flags& f, training::Task& held_out) {
  if (f.eval_data.empty()) return nullptr;
  const int64_t batch = f.config.micro_batch_size;
  return [&held_out, batch](const Transformer& model) { return training::evaluate_task(model, held_out, batch); };
}

int run(Flags& f) {
  if (f.nproc_per_node > 1 && !std::getenv("WORLD_SIZE")) return launch_local_workers(f.nproc_per_node, 10);
  apply_compute_flags(f.compute);
  const training::DistEnv env = training::dist_env_from_environment();
  auto& c = f.config;
  if (c.use_lora()) {
    c.lora.target_modules = parse_lora_target_modules(f.lora_targets, "--lora-target-modules");
    c.lora.validate("--lora-*");
  }
  const c10::Device device = compute_device(f.compute);
  c.device = device.str();
  c.bf16 = f.compute.bf16;
  training::DataParallel parallel(env, std::chrono::seconds(f.dist_timeout_s), device);
  objectives::find_losses(c.loss.type);  // fail fast on an unknown --loss-type
  check(!c.model.empty(), "--model is required");
  const ModelConfig model_config = ModelConfig::load(c.model);
  check(c.eval_interval == 0 || !f.eval_data.empty(), "--eval-interval needs --eval-data");
  training::TrainResult result;
  if (c.train_mode == "sft") {
    auto examples = training::load_sft_examples_for(c.data_path, c.model, c.seq_length, f.skip_bad_lines);
    training::SftTask task(examples, c.compute);
    std::vector<SftTokens> held_out;
    if (!f.eval_data.empty())
      held_out = training::load_sft_examples_for(f.eval_data, c.model, c.seq_length, f.skip_bad_lines);
    training::SftTask eval_task(held_out, c.compute);
    result = training::train(c, task, evaluator(f, eval_task), &parallel);
  } else {
    auto pairs = training::open_pairs_for(c.data_path, c.model, model_config, c.seq_length, &c.loss,
                                          static_cast<size_t>(f.data_cache_mb) << 20);
    training::PreferenceTask task(*pairs, c.loss, c.compute);
    std::unique_ptr<PairSource> held_out =
        f.eval_data.empty() ? std::make_unique<VectorPairSource>(std::vector<ScoredPair>{})
                            : training::open_pairs_for(f.eval_data, c.model, model_config, c.seq_length, &c.loss);
    training::PreferenceTask eval_task(*held_out, c.loss, c.compute);
    result = training::train(c, task, evaluator(f, eval_task), &parallel);
  }
  if (parallel.is_main()) print_summary(result);
  if (result.stop_signal && result.iterations < c.train_iters)  // resumable, not finished: exit 128 + signal
    throw Stopped(result.stop_signal, "train at iteration " + std::to_string(result.iterations) + " of " +
                                          std::to_string(c.train_iters) +
                                          (c.save.empty() ? ", no --save: nothing kept" : "; resume with --load " + c.save));
  return 0;
}

Register reg("train", "train a model with a preference loss (LPO, DPO, ...) or SFT", [](CLI::App& app) -> Runner {
  auto f = std::make_shared<Flags>();
  add_flags(app, *f);
  return [f] { return run(*f); };
});

}  // namespace
}  // namespace lpo::cli
