#include "training/train_config.hpp"

#include "util/error.hpp"

namespace lpo::training {

int64_t TrainConfig::accumulation_steps(int world_size) const {
  check(micro_batch_size > 0, "--micro-batch-size must be positive, got ", micro_batch_size);
  const int64_t per_step = micro_batch_size * world_size;
  check(global_batch_size > 0 && global_batch_size % per_step == 0, "--global-batch-size (", global_batch_size,
        ") must be a positive multiple of --micro-batch-size (", micro_batch_size, ") × the ", world_size,
        " data-parallel ranks");
  return global_batch_size / per_step;
}

nlohmann::json TrainConfig::to_json() const {
  return {{"model", model},
          {"data_path", data_path},
          {"train_mode", train_mode},
          {"loss_type", loss.type},
          {"beta", loss.beta},
          {"gamma", loss.gamma},
          {"r1", loss.r1},
          {"r2", loss.r2},
          {"label_smoothing", loss.label_smoothing},
          {"add_sft_loss", loss.add_sft_loss},
          {"is_average", loss.is_average},
          {"loss_weights", loss.loss_weights},
          {"simpo_gamma", loss.simpo_gamma},
          {"cpo_alpha", loss.cpo_alpha},
          {"discopop_tau", loss.discopop_tau},
          {"f_divergence", loss.f_divergence},
          {"f_alpha", loss.f_alpha},
          {"use_weighting", loss.use_weighting},
          {"ld_alpha", loss.ld_alpha},
          {"desirable_weight", loss.desirable_weight},
          {"undesirable_weight", loss.undesirable_weight},
          {"lr", optim.lr},
          {"min_lr", optim.min_lr},
          {"lr_warmup_iters", optim.lr_warmup_iters},
          {"weight_decay", optim.weight_decay},
          {"adam_beta1", optim.adam_beta1},
          {"adam_beta2", optim.adam_beta2},
          {"clip_grad", optim.clip_grad},
          {"train_iters", train_iters},
          {"micro_batch_size", micro_batch_size},
          {"global_batch_size", global_batch_size},
          {"seq_length", seq_length},
          {"seed", seed},
          {"keep_checkpoints", keep_checkpoints},
          {"max_skipped_steps", max_skipped_steps},
          {"prefix_sharing", compute.layout.share_prefix},
          {"packing", compute.layout.pack},
          {"recompute_activations", compute.logps.recompute_activations},
          {"device", device},
          {"bf16", bf16},
          {"lora_rank", lora.r},
          {"lora_alpha", lora.alpha},
          {"lora_dropout", lora.dropout},
          {"lora_target_modules", lora.target_modules},
          {"use_rslora", lora.use_rslora}};
}

}  // namespace lpo::training
