// Finds and dlopen()s liblpo_spm.so, the shim that isolates libsentencepiece from libtorch's
// protobuf (shim/spm_shim_api.h says why), and resolves its C API.
#pragma once
#include <string>
#include <vector>

#include "tokenizer/shim/spm_shim_api.h"

namespace lpo {

/// The shim's C functions (documented in shim/spm_shim_api.h).
struct SpmApi {
  decltype(&lpo_spm_load) load;
  decltype(&lpo_spm_free) free;
  decltype(&lpo_spm_free_buffer) free_buffer;
  decltype(&lpo_spm_encode) encode;
  decltype(&lpo_spm_decode) decode;
  decltype(&lpo_spm_piece_size) piece_size;
  decltype(&lpo_spm_piece_to_id) piece_to_id;
  decltype(&lpo_spm_id_to_piece) id_to_piece;
  decltype(&lpo_spm_is_control) is_control;
  decltype(&lpo_spm_is_unknown) is_unknown;
  decltype(&lpo_spm_bos_id) bos_id;
  decltype(&lpo_spm_eos_id) eos_id;
  decltype(&lpo_spm_unk_id) unk_id;
};

/// Where the shim is looked for, in order: $LPO_SPM_SHIM alone when it is set; otherwise
/// liblpo_spm.so in the running executable's directory (/proc/self/exe), then the path the
/// build wrote it to.
std::vector<std::string> spm_shim_candidates();

/// The shim's API, loaded on first use (thread-safe; a failed load is retried on the next call).
/// The shim is opened with RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND so libsentencepiece binds to its
/// own protobuf and its symbols never enter the global scope (AddressSanitizer builds drop
/// RTLD_DEEPBIND, which ASan cannot run). Throws lpo::Error listing every
/// path tried with why it failed (missing file or dlerror()), or naming a shim whose ABI version
/// differs from LPO_SPM_ABI_VERSION or that lacks a function.
const SpmApi& spm_api();

}  // namespace lpo
