// `lpo bench train-step` and `lpo bench gemm`: one JSON line each (training/bench_step.hpp).
#include <iostream>

#include "cli/command.hpp"
#include "training/bench_step.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  ComputeFlags compute;
  training::BenchStepOptions step;
  int64_t gemm_n = 2048;
  int gemm_reps = 5;
};

Register reg("bench", "measure a full preference training step (train-step) or the GEMM rate (gemm)",
             [](CLI::App& app) -> Runner {
               auto f = std::make_shared<Flags>();
               app.require_subcommand(1);
               CLI::App* step = app.add_subcommand("train-step", "time policy forward/backward + loss + AdamW");
               auto& s = f->step;
               step->add_option("--hidden", s.hidden)->capture_default_str();
               step->add_option("--intermediate", s.intermediate)->capture_default_str();
               step->add_option("--layers", s.layers)->capture_default_str();
               step->add_option("--heads", s.heads)->capture_default_str();
               step->add_option("--kv-heads", s.kv_heads)->capture_default_str();
               step->add_option("--vocab", s.vocab)->capture_default_str();
               step->add_option("--pairs", s.pairs)->capture_default_str();
               step->add_option("--prompt-len", s.prompt_len)->capture_default_str();
               step->add_option("--response-len", s.response_len)->capture_default_str();
               step->add_option("--loss-type", s.loss_type)->capture_default_str();
               step->add_option("--steps", s.steps, "timed steps")->capture_default_str();
               step->add_option("--warmup", s.warmup, "untimed steps first")->capture_default_str();
               step->add_flag("!--no-prefix-sharing", s.compute.layout.share_prefix,
                              "score the prompt once per response (the usual trainers' layout)");
               step->add_flag("!--no-packing", s.compute.layout.pack, "one padded row per sequence or pair");
               step->add_flag("--recompute-activations", s.compute.logps.recompute_activations,
                              "recompute each layer in backward instead of keeping its activations");
               step->add_option("--peak-tflops", s.peak_tflops,
                                "the device's rated peak in the compute dtype, for mfu_peak (H200 bf16: 790)");
               add_compute_flags(*step, f->compute);
               CLI::App* gemm = app.add_subcommand("gemm", "matrix-multiply GFLOP/s (float32, bf16 with --bf16)");
               gemm->add_option("--n", f->gemm_n, "matrix size")->capture_default_str();
               gemm->add_option("--reps", f->gemm_reps)->capture_default_str();
               add_compute_flags(*gemm, f->compute);
               return [f, step] {
                 apply_compute_flags(f->compute);
                 const c10::Device device = compute_device(f->compute);
                 f->step.device = device;
                 f->step.bf16 = f->compute.bf16;
                 const nlohmann::json out =
                     step->parsed() ? training::bench_train_step(f->step)
                                    : training::bench_gemm(f->gemm_n, f->gemm_reps, device, compute_dtype(f->compute));
                 std::cout << out.dump() << std::endl;
                 return 0;
               };
             });

}  // namespace
}  // namespace lpo::cli
