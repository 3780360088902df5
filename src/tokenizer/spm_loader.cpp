#include "tokenizer/spm_loader.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "util/error.hpp"

#ifndef LPO_SPM_SHIM_BUILD_PATH
#define LPO_SPM_SHIM_BUILD_PATH ""
#endif

namespace lpo {

namespace fs = std::filesystem;

namespace {

constexpr const char* kShimName = "liblpo_spm.so";

// dlsym(`name`) into `slot`; throws lpo::Error naming the shim and the function when absent.
template <typename Fn>
void bind(void* library, const std::string& path, const char* name, Fn& slot) {
  slot = reinterpret_cast<Fn>(dlsym(library, name));
  check(slot != nullptr, path, ": SentencePiece shim lacks ", name, " (stale build? rebuild lpo_spm)");
}

SpmApi bind_api(void* library, const std::string& path) {
  decltype(&lpo_spm_abi_version) abi_version = nullptr;
  bind(library, path, "lpo_spm_abi_version", abi_version);
  check(abi_version() == LPO_SPM_ABI_VERSION, path, ": SentencePiece shim ABI version ", abi_version(),
        ", expected ", LPO_SPM_ABI_VERSION, " (rebuild lpo_spm)");
  SpmApi api{};
  bind(library, path, "lpo_spm_load", api.load);
  bind(library, path, "lpo_spm_free", api.free);
  bind(library, path, "lpo_spm_free_buffer", api.free_buffer);
  bind(library, path, "lpo_spm_encode", api.encode);
  bind(library, path, "lpo_spm_decode", api.decode);
  bind(library, path, "lpo_spm_piece_size", api.piece_size);
  bind(library, path, "lpo_spm_piece_to_id", api.piece_to_id);
  bind(library, path, "lpo_spm_id_to_piece", api.id_to_piece);
  bind(library, path, "lpo_spm_is_control", api.is_control);
  bind(library, path, "lpo_spm_is_unknown", api.is_unknown);
  bind(library, path, "lpo_spm_bos_id", api.bos_id);
  bind(library, path, "lpo_spm_eos_id", api.eos_id);
  bind(library, path, "lpo_spm_unk_id", api.unk_id);
  return api;
}

// Opens the first candidate that loads; the handle is never closed (the API lives as long as
// the process). Throws lpo::Error listing each candidate and why it failed.
// AddressSanitizer cannot run code in a library opened with RTLD_DEEPBIND (its interceptors are
// bypassed: google/sanitizers#611), so sanitizer builds open the shim with RTLD_LOCAL alone.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kDeepBind = 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kDeepBind = 0;
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif

SpmApi load_api() {
  std::string tried;
  for (const std::string& path : spm_shim_candidates()) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      tried += "\n  " + path + ": no such file";
      continue;
    }
    dlerror();  // clear any stale message
    if (void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | kDeepBind))
      return bind_api(library, path);
    const char* why = dlerror();
    tried += "\n  " + path + ": " + (why ? why : "dlopen failed");
  }
  fail("cannot load the SentencePiece shim ", kShimName, " (needed for tokenizer.model files; set ",
       "LPO_SPM_SHIM to its path). Tried:", tried);
}

}  // namespace

std::vector<std::string> spm_shim_candidates() {
  if (const char* env = std::getenv("LPO_SPM_SHIM"); env && *env) return {env};
  std::vector<std::string> paths;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) paths.push_back((exe.parent_path() / kShimName).string());
  const std::string built = LPO_SPM_SHIM_BUILD_PATH;
  if (!built.empty() && (paths.empty() || paths.front() != built)) paths.push_back(built);
  return paths;
}

const SpmApi& spm_api() {
  static const SpmApi api = load_api();  // a throwing initializer leaves it for the next call
  return api;
}

}  // namespace lpo
