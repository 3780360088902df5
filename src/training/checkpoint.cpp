#include "training/checkpoint.hpp"

#include <cstdio>
#include <filesystem>

#include <torch/serialize.h>

#include "util/error.hpp"
#include "util/files.hpp"

namespace fs = std::filesystem;

namespace lpo::training {

void copy_tokenizer_files(const std::string& from, const std::string& to) {
  for (const char* name : {"tokenizer.json", "tokenizer.model", "tokenizer_config.json"}) {
    fs::path src = fs::path(from) / name;
    if (fs::exists(src)) fs::copy_file(src, fs::path(to) / name, fs::copy_options::overwrite_existing);
  }
}

std::string save_checkpoint(const std::string& save_dir, const Transformer& model,
                            torch::optim::Optimizer& optimizer, const TrainerState& state,
                            const std::string& tokenizer_dir) {
  char name[32];
  std::snprintf(name, sizeof name, "iter_%07lld", static_cast<long long>(state.iteration));
  const fs::path final_dir = fs::path(save_dir) / name;
  const fs::path tmp_dir = fs::path(save_dir) / (std::string(".tmp-") + name);
  try {
    fs::create_directories(save_dir);
    fs::remove_all(tmp_dir);
    fs::create_directories(tmp_dir);
    save_model(model, tmp_dir.string());
    copy_tokenizer_files(tokenizer_dir, tmp_dir.string());
    torch::save(optimizer, (tmp_dir / "optimizer.pt").string());
    nlohmann::json js = {{"iteration", state.iteration},
                         {"consumed_samples", state.consumed_samples},
                         {"config", state.config}};
    write_file_atomic((tmp_dir / "trainer_state.json").string(), js.dump(2) + "\n");
    fsync_dir(tmp_dir.string());
    fs::remove_all(final_dir);
    fs::rename(tmp_dir, final_dir);
    fsync_dir(save_dir);
  } catch (const fs::filesystem_error& e) {
    fail("cannot write checkpoint '", final_dir.string(), "': ", e.what());
  } catch (const c10::Error& e) {
    fail("cannot write optimizer state under '", tmp_dir.string(), "': ", e.what_without_backtrace());
  }
  write_file_atomic((fs::path(save_dir) / "latest").string(), std::string(name) + "\n");
  return final_dir.string();
}

std::string model_dir_or_latest(const std::string& path) {
  if (std::filesystem::exists(std::filesystem::path(path) / "config.json")) return path;
  const std::string latest = std::filesystem::exists(path) ? latest_checkpoint(path) : "";
  check(!latest.empty(), path, " is neither a model directory (no config.json) nor a --save directory with a "
        "checkpoint");
  return latest;
}

std::string latest_checkpoint(const std::string& dir) {
  const fs::path pointer = fs::path(dir) / "latest";
  if (!fs::exists(pointer)) return "";
  std::string name = read_file(pointer.string());
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  const fs::path ckpt = fs::path(dir) / name;
  check(fs::exists(ckpt / "trainer_state.json"), "'", pointer.string(), "' names checkpoint '", name,
        "' but ", ckpt.string(), "/trainer_state.json does not exist");
  return ckpt.string();
}

TrainerState read_trainer_state(const std::string& ckpt) {
  const std::string path = ckpt + "/trainer_state.json";
  nlohmann::json js;
  try {
    js = nlohmann::json::parse(read_file(path));
    return {js.at("iteration").get<int64_t>(), js.at("consumed_samples").get<int64_t>(),
            js.value("config", nlohmann::json::object())};
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": invalid trainer state (", e.what(), ")");
  }
}

void load_optimizer_state(const std::string& ckpt, torch::optim::Optimizer& optimizer) {
  const std::string path = ckpt + "/optimizer.pt";
  check(fs::exists(path), "checkpoint '", ckpt, "' has no optimizer.pt");
  try {
    torch::load(optimizer, path);
  } catch (const c10::Error& e) {
    fail(path, ": cannot load optimizer state (", e.what_without_backtrace(), ")");
  }
}

}  // namespace lpo::training
