// The tensors of a Hugging Face model directory: either one `model.safetensors`, or shards
// listed by `model.safetensors.index.json` ({"metadata": {...}, "weight_map": {name: file}}).
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lpo {

/// Name of the single-file checkpoint and of the shard index inside a model directory.
inline constexpr const char* kSafetensorsFile = "model.safetensors";
inline constexpr const char* kSafetensorsIndex = "model.safetensors.index.json";

/// Every tensor of the checkpoint in `dir`, by name (CPU; zero-copy views of the mapped files
/// when `dtype` is unset or matches, else converted copies). With an index, each listed tensor
/// is read from its shard. Throws lpo::Error naming the file (and tensor) when neither file
/// exists, the index is malformed, a shard lacks a tensor the index lists, or a file is invalid.
std::map<std::string, at::Tensor> load_checkpoint_tensors(const std::string& dir,
                                                          std::optional<at::ScalarType> dtype = {});

/// Writes `tensors` (each in its own dtype) into `dir` (created if missing). With
/// max_shard_bytes == 0 or when everything fits in one shard: `model.safetensors`; otherwise
/// `model-0000i-of-0000n.safetensors` shards (tensors in the given order, a new shard when the
/// next tensor would exceed the limit) plus the index. Each file is written atomically; a stale
/// single file or index of the other layout is removed afterwards. Throws lpo::Error on I/O failure.
void save_checkpoint_tensors(const std::string& dir,
                             const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                             uint64_t max_shard_bytes = 0);

}  // namespace lpo
