// Checkpoints: each is a Hugging Face model directory (loadable by `lpo` and HF tools) plus
// the optimizer state and the trainer state needed to resume exactly.
//
//   SAVE/latest                  text: name of the newest complete checkpoint
//   SAVE/iter_0000100/           config.json, model.safetensors, tokenizer files,
//                                optimizer.pt (torch archive), trainer_state.json,
//                                master_weights.safetensors (float32; only when the model
//                                is kept in bf16/f16 on disk, as the checkpoint it came from)
//
// With LoRA (the model has adapters) a checkpoint holds no base weights: instead of config.json,
// model.safetensors and master_weights.safetensors it has the adapters in PEFT format
// (adapter_config.json, adapter_model.safetensors; io/peft_adapter.hpp, loadable with
// `--adapter` and by PEFT) and lora_base.json {"base": base model dir, "fingerprint": ...}.
//
// A checkpoint is written into SAVE/.tmp-iter_XXXXXXX with checksums.json (bytes and CRC-32 of
// every file), fsynced, renamed into place, and only then is `latest` replaced (atomically): a
// crash at any point leaves the previous one intact. Loading verifies the checksums and falls
// back to the newest older checkpoint that verifies, with a warning.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/optim/optimizer.h>

#include "model/transformer.hpp"

namespace lpo::training {

struct TrainerState {
  int64_t iteration = 0;         // completed optimizer steps
  int64_t consumed_samples = 0;  // examples drawn from the data order so far
  nlohmann::json config;         // the run's TrainConfig::to_json(), for the record
};

/// Writes checkpoint `iter_<iteration>` under `save_dir`, copying tokenizer files found in
/// `tokenizer_dir`. Returns the checkpoint's path. Throws lpo::Error on any I/O failure
/// (the previous checkpoint and `latest` stay untouched).
std::string save_checkpoint(const std::string& save_dir, const Transformer& model,
                            torch::optim::Optimizer& optimizer, const TrainerState& state,
                            const std::string& tokenizer_dir);

/// Identifies a base model directory cheaply: CRC-32 of config.json and of every
/// *.safetensors file's header (tensor names, dtypes, shapes, offsets), its size and the first
/// and last MiB of its data (not a full hash: a 7B base stays cheap to check),
/// as "crc32:<hex>". Throws lpo::Error when config.json is unreadable.
std::string base_model_fingerprint(const std::string& dir);

/// A LoRA checkpoint's base (lora_base.json); empty strings when `ckpt` is not one.
struct LoraBase {
  std::string path, fingerprint;
};
LoraBase read_lora_base(const std::string& ckpt);

/// `path` when it is a model directory (has config.json), else the checkpoint `latest` points
/// to under it (a --save directory). Throws lpo::Error when it is neither.
std::string model_dir_or_latest(const std::string& path);

/// Path of the checkpoint `latest` points to under `dir`, or "" when there is no `latest`.
/// When that checkpoint is missing, truncated or corrupted (verify_checkpoint), warns and
/// returns the newest iter_* checkpoint that verifies; throws lpo::Error when none does.
std::string latest_checkpoint(const std::string& dir);

/// "" when checkpoint `ckpt` is complete and every file matches checksums.json (a checkpoint
/// without checksums.json passes on trainer_state.json alone), else what is wrong with it.
std::string verify_checkpoint(const std::string& ckpt);

/// Deletes all but the newest `keep` checkpoints under `save_dir` (never the one `latest`
/// names); keep <= 0 keeps all (--keep-checkpoints). Failures to delete are warnings.
void prune_checkpoints(const std::string& save_dir, int64_t keep);

/// Reads trainer_state.json of checkpoint `ckpt`. Throws lpo::Error naming the file.
TrainerState read_trainer_state(const std::string& ckpt);

/// Restores the optimizer state saved in `ckpt` onto `device` (the optimizer must hold the
/// same parameters, living there).
void load_optimizer_state(const std::string& ckpt, torch::optim::Optimizer& optimizer,
                          c10::Device device = c10::kCPU);

/// Writes the float32 master weights into `ckpt` when the model's disk dtype (its config's
/// torch_dtype) is narrower, so a resumed run continues from the exact weights; no-op for a
/// float32 model. Throws lpo::Error on I/O failure.
void save_master_weights(const std::string& ckpt, const Transformer& model);
/// Restores the float32 master weights saved by save_master_weights into `model`; false when
/// `ckpt` has none. Throws lpo::Error naming the file on a missing tensor or shape mismatch.
bool load_master_weights(const std::string& ckpt, Transformer& model);

/// Copies tokenizer.json / tokenizer.model / tokenizer_config.json (whichever exist) from `from` to `to`.
void copy_tokenizer_files(const std::string& from, const std::string& to);

}  // namespace lpo::training
