#include "training/checkpoint.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <torch/serialize.h>

#include "io/safetensors.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/log.hpp"

namespace fs = std::filesystem;

namespace lpo::training {

namespace {

constexpr const char* kChecksums = "checksums.json";
constexpr const char* kMasterWeights = "master_weights.safetensors";
constexpr const char* kLoraBase = "lora_base.json";

// CRC-32 (zlib's) of a whole file, read in 1 MiB blocks.
uint32_t file_crc32(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  check(in.good(), "cannot read ", path.string());
  std::vector<char> buf(1 << 20);
  uLong crc = crc32(0L, Z_NULL, 0);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(buf.data()), static_cast<uInt>(in.gcount()));
  }
  return static_cast<uint32_t>(crc);
}

// checksums.json: {"files": {name: {"bytes": N, "crc32": C}}} for every file in `dir`.
void write_checksums(const fs::path& dir) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file())
      files[entry.path().filename().string()] = {{"bytes", entry.file_size()}, {"crc32", file_crc32(entry.path())}};
  write_file_atomic((dir / kChecksums).string(), nlohmann::json{{"files", files}}.dump(2) + "\n");
}

// Iteration number of a directory named iter_NNNNNNN, or -1.
int64_t iteration_of(const fs::path& dir) {
  const std::string name = dir.filename().string();
  if (name.rfind("iter_", 0) != 0 || name.size() == 5) return -1;
  for (size_t i = 5; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return -1;
  return std::stoll(name.substr(5));
}

// Complete checkpoints under `dir`, newest first.
std::vector<fs::path> checkpoints_newest_first(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && iteration_of(entry.path()) >= 0) out.push_back(entry.path());
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) { return iteration_of(a) > iteration_of(b); });
  return out;
}

// torch::save straight to a file aborts the process when the disk fills (its zip writer throws
// from a destructor), so the archive is built in memory and written by write_file_atomic, whose
// errors name the file and errno ("No space left on device").
void save_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& path) {
  std::ostringstream archive;
  torch::save(optimizer, archive);
  write_file_atomic(path, archive.str());
}

// A checkpoint that failed half-way (a full disk): its temporary directory goes, so the space
// is free again and nothing half-written is left to look like a checkpoint.
void remove_partial(const fs::path& tmp_dir) {
  std::error_code ec;
  fs::remove_all(tmp_dir, ec);
}

// What the user still has after a failed write.
std::string previous_note(const std::string& save_dir) {
  const fs::path pointer = fs::path(save_dir) / "latest";
  if (!fs::exists(pointer)) return "; no earlier checkpoint exists";
  std::string name = read_file(pointer.string());
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  return "; the previous checkpoint " + (fs::path(save_dir) / name).string() + " is intact: free space and rerun "
         "with --load " + save_dir + " to continue from it";
}

}  // namespace

void save_master_weights(const std::string& ckpt, const Transformer& model) {
  if (disk_dtype_of(model.config()) == at::kFloat) return;  // model.safetensors already holds them
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, t] : model.named_parameters()) tensors.emplace_back(name, t.detach().to(at::kFloat));
  save_safetensors((fs::path(ckpt) / kMasterWeights).string(), tensors);
}

bool load_master_weights(const std::string& ckpt, Transformer& model) {
  const fs::path path = fs::path(ckpt) / kMasterWeights;
  if (!fs::exists(path)) return false;
  SafetensorsFile file(path.string());
  at::NoGradGuard no_grad;
  for (const auto& [name, param] : model.named_parameters()) {
    check(file.contains(name), path.string(), ": no tensor '", name, "'");
    at::Tensor master = file.tensor(name, at::kFloat);
    check(master.sizes() == param.sizes(), path.string(), ": tensor '", name, "' has shape ", master.sizes(),
          ", the model ", param.sizes());
    model.parameter(name).copy_(master);
  }
  return true;
}

std::string verify_checkpoint(const std::string& ckpt) {
  const fs::path dir(ckpt), sums = fs::path(ckpt) / kChecksums;
  if (!fs::exists(dir / "trainer_state.json")) return "no trainer_state.json";
  if (!fs::exists(sums)) return "";  // written before checksums existed: nothing to check against
  nlohmann::json js;
  try {
    js = nlohmann::json::parse(read_file(sums.string())).at("files");
  } catch (const std::exception& e) {
    return std::string(kChecksums) + " is unreadable (" + e.what() + ")";
  }
  for (const auto& [name, want] : js.items()) {
    const fs::path file = dir / name;
    if (!fs::exists(file)) return name + " is missing";
    std::error_code ec;
    const auto bytes = fs::file_size(file, ec);
    if (ec || bytes != want.value("bytes", uint64_t{0}))
      return name + " has " + std::to_string(bytes) + " bytes, " + std::to_string(want.value("bytes", uint64_t{0})) +
             " were written (truncated?)";
    if (file_crc32(file) != want.value("crc32", uint32_t{0})) return name + " fails its CRC-32 check (corrupted)";
  }
  return "";
}

void prune_checkpoints(const std::string& save_dir, int64_t keep) {
  if (keep <= 0) return;
  const std::string latest = latest_checkpoint(save_dir);
  int64_t kept = 0;
  for (const fs::path& ckpt : checkpoints_newest_first(save_dir)) {
    if (kept < keep || ckpt.string() == latest) {
      ++kept;
      continue;
    }
    std::error_code ec;
    fs::remove_all(ckpt, ec);
    if (ec) log::warn("cannot remove old checkpoint ", ckpt.string(), ": ", ec.message());
  }
}

void copy_tokenizer_files(const std::string& from, const std::string& to) {
  for (const char* name : {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "chat_template.jinja",
                           "chat_template.json"}) {
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
    if (model.lora()) {  // adapters only, plus which base they belong to
      model.save_lora(tmp_dir.string());
      const std::string base = model.lora()->base_model;
      write_file_atomic((tmp_dir / kLoraBase).string(),
                        nlohmann::json{{"base", base}, {"fingerprint", base_model_fingerprint(base)}}.dump(2) + "\n");
    } else {
      save_model(model, tmp_dir.string());  // in the dtype the model came in (config.json's torch_dtype)
      save_master_weights(tmp_dir.string(), model);
    }
    copy_tokenizer_files(tokenizer_dir, tmp_dir.string());
    save_optimizer_state(optimizer, (tmp_dir / "optimizer.pt").string());
    nlohmann::json js = {{"iteration", state.iteration},
                         {"consumed_samples", state.consumed_samples},
                         {"config", state.config}};
    write_file_atomic((tmp_dir / "trainer_state.json").string(), js.dump(2) + "\n");
    write_checksums(tmp_dir);
    fsync_dir(tmp_dir.string());
    fs::remove_all(final_dir);
    fs::rename(tmp_dir, final_dir);
    fsync_dir(save_dir);
  } catch (const fs::filesystem_error& e) {
    remove_partial(tmp_dir);
    fail("cannot write checkpoint '", final_dir.string(), "': ", e.what(), previous_note(save_dir));
  } catch (const c10::Error& e) {
    remove_partial(tmp_dir);
    fail("cannot write optimizer state under '", tmp_dir.string(), "': ", e.what_without_backtrace(),
         previous_note(save_dir));
  } catch (const Error& e) {  // e.g. "No space left on device" from a weights file
    remove_partial(tmp_dir);
    fail("cannot write checkpoint '", final_dir.string(), "': ", e.what(), previous_note(save_dir));
  }
  write_file_atomic((fs::path(save_dir) / "latest").string(), std::string(name) + "\n");
  return final_dir.string();
}

std::string base_model_fingerprint(const std::string& dir) {
  const fs::path config = fs::path(dir) / "config.json";
  check(fs::exists(config), dir, ": no config.json (not a model directory)");
  std::string text = read_file(config.string());
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size()));
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".safetensors") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    uint64_t header = 0;
    in.read(reinterpret_cast<char*>(&header), 8);
    std::string bytes(static_cast<size_t>(std::min<uint64_t>(header, 64u << 20)), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    const std::string tag = f.filename().string() + ":" + std::to_string(fs::file_size(f)) + ":";
    crc = crc32(crc, reinterpret_cast<const Bytef*>(tag.data()), static_cast<uInt>(tag.size()));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(in.gcount()));
    // The first and last MiB of the weights: models of one shape differ there.
    const uint64_t size = fs::file_size(f), data = 8 + header;
    std::string sample(static_cast<size_t>(std::min<uint64_t>(size > data ? size - data : 0, 1u << 20)), '\0');
    for (uint64_t at : {data, size - sample.size()}) {
      in.clear();
      in.seekg(static_cast<std::streamoff>(at));
      in.read(sample.data(), static_cast<std::streamsize>(sample.size()));
      crc = crc32(crc, reinterpret_cast<const Bytef*>(sample.data()), static_cast<uInt>(in.gcount()));
    }
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(crc));
  return std::string("crc32:") + hex;
}

LoraBase read_lora_base(const std::string& ckpt) {
  const fs::path path = fs::path(ckpt) / kLoraBase;
  if (!fs::exists(path)) return {};
  try {
    nlohmann::json js = nlohmann::json::parse(read_file(path.string()));
    return {js.at("base").get<std::string>(), js.at("fingerprint").get<std::string>()};
  } catch (const nlohmann::json::exception& e) {
    fail(path.string(), ": invalid (", e.what(), ")");
  }
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
  const fs::path named = fs::path(dir) / name;
  std::string problem = verify_checkpoint(named.string());
  if (problem.empty()) return named.string();
  log::warn("checkpoint ", named.string(), " (named by ", pointer.string(), ") is not usable: ", problem);
  for (const fs::path& older : checkpoints_newest_first(dir)) {
    if (older == named) continue;
    const std::string why = verify_checkpoint(older.string());
    if (why.empty()) {
      log::warn("falling back to the previous good checkpoint ", older.string());
      return older.string();
    }
    log::warn("checkpoint ", older.string(), " is not usable either: ", why);
  }
  fail("no usable checkpoint under ", dir, ": ", named.string(), " ", problem, ", and no older one verifies");
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

void load_optimizer_state(const std::string& ckpt, torch::optim::Optimizer& optimizer, c10::Device device) {
  const std::string path = ckpt + "/optimizer.pt";
  check(fs::exists(path), "checkpoint '", ckpt, "' has no optimizer.pt");
  try {
    torch::load(optimizer, path, device);
  } catch (const c10::Error& e) {
    fail(path, ": cannot load optimizer state (", e.what_without_backtrace(), ")");
  }
}

}  // namespace lpo::training
