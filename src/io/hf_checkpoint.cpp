#include "io/hf_checkpoint.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "io/safetensors.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {
namespace fs = std::filesystem;

namespace {

// weight_map of an index file: tensor name -> shard file name (relative to the directory).
std::map<std::string, std::string> read_weight_map(const std::string& index_path) {
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(read_file(index_path));
  } catch (const nlohmann::json::exception& e) {
    fail(index_path, ": invalid JSON (", e.what(), ")");
  }
  check(index.is_object() && index.contains("weight_map") && index["weight_map"].is_object(), index_path,
        ": missing object field 'weight_map'");
  std::map<std::string, std::string> map;
  for (const auto& [name, file] : index["weight_map"].items()) {
    check(file.is_string(), index_path, ": weight_map entry '", name, "' is not a file name");
    std::string f = file.get<std::string>();
    check(f.find('/') == std::string::npos && f != ".." && !f.empty(), index_path, ": weight_map entry '",
          name, "' names '", f, "', not a file in the same directory");
    map[name] = f;
  }
  return map;
}

std::string shard_name(size_t i, size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, n);
  return buf;
}

// Splits tensors into consecutive groups of at most max_bytes each (a tensor larger than the
// limit gets a shard of its own).
std::vector<std::vector<std::pair<std::string, at::Tensor>>> split_shards(
    const std::vector<std::pair<std::string, at::Tensor>>& tensors, uint64_t max_bytes) {
  std::vector<std::vector<std::pair<std::string, at::Tensor>>> shards(1);
  uint64_t used = 0;
  for (const auto& item : tensors) {
    uint64_t n = static_cast<uint64_t>(item.second.numel()) * item.second.element_size();
    if (max_bytes > 0 && used > 0 && used + n > max_bytes) {
      shards.emplace_back();
      used = 0;
    }
    shards.back().push_back(item);
    used += n;
  }
  return shards;
}

void remove_if_exists(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

}  // namespace

std::map<std::string, at::Tensor> load_checkpoint_tensors(const std::string& dir,
                                                          std::optional<at::ScalarType> dtype) {
  fs::path index_path = fs::path(dir) / kSafetensorsIndex;
  fs::path single_path = fs::path(dir) / kSafetensorsFile;
  std::map<std::string, at::Tensor> out;
  if (fs::exists(index_path)) {
    std::map<std::string, std::unique_ptr<SafetensorsFile>> shards;
    for (const auto& [name, file] : read_weight_map(index_path.string())) {
      auto& shard = shards[file];
      if (!shard) shard = std::make_unique<SafetensorsFile>((fs::path(dir) / file).string());
      check(shard->contains(name), shard->path(), ": no tensor '", name, "' (listed in ", index_path.string(),
            ")");
      out[name] = shard->tensor(name, dtype);
    }
    return out;
  }
  check(fs::exists(single_path), dir, ": no ", kSafetensorsFile, " or ", kSafetensorsIndex, " found");
  SafetensorsFile file(single_path.string());
  for (const auto& name : file.names()) out[name] = file.tensor(name, dtype);
  return out;
}

void save_checkpoint_tensors(const std::string& dir,
                             const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                             uint64_t max_shard_bytes) {
  fs::create_directories(dir);
  fs::path index_path = fs::path(dir) / kSafetensorsIndex;
  std::map<std::string, std::string> stale;  // shards of a previous index, by file name
  if (fs::exists(index_path))
    for (const auto& [name, file] : read_weight_map(index_path.string())) stale[file] = file;

  auto shards = split_shards(tensors, max_shard_bytes);
  if (shards.size() == 1) {
    save_safetensors((fs::path(dir) / kSafetensorsFile).string(), shards[0], {{"format", "pt"}});
    remove_if_exists(index_path);
    for (const auto& [file, _] : stale) remove_if_exists(fs::path(dir) / file);
    return;
  }
  nlohmann::json weight_map = nlohmann::json::object();
  uint64_t total = 0;
  for (size_t i = 0; i < shards.size(); ++i) {
    std::string file = shard_name(i, shards.size());
    save_safetensors((fs::path(dir) / file).string(), shards[i], {{"format", "pt"}});
    stale.erase(file);
    for (const auto& [name, t] : shards[i]) {
      weight_map[name] = file;
      total += static_cast<uint64_t>(t.numel()) * t.element_size();
    }
  }
  nlohmann::json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  write_file_atomic(index_path.string(), index.dump(2) + "\n");
  remove_if_exists(fs::path(dir) / kSafetensorsFile);
  for (const auto& [file, _] : stale) remove_if_exists(fs::path(dir) / file);
}

}  // namespace lpo
