// `lpo info [--model DIR]`: versions and compute settings, to paste into bug reports; with
// --model, what lpo makes of a model directory (family, size, dtype on disk, context, RoPE
// variant, windows) without loading its weights.
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <torch/version.h>

#include "cli/command.hpp"
#include "io/hf_checkpoint.hpp"
#include "model/model_config.hpp"
#include "model/runtime.hpp"

#ifndef LPO_NCCL
#define LPO_NCCL 0  // set by CMake (cmake/torch.cmake)
#endif

namespace lpo::cli {
namespace {

// "full" or e.g. "sliding 512 on 22 of 26 layers".
std::string windows_text(const ModelConfig& c) {
  std::map<int64_t, int64_t> count;
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) ++count[c.window(i)];
  if (count.size() == 1 && count.begin()->first == 0) return "full attention on every layer";
  std::ostringstream out;
  for (const auto& [w, n] : count)
    if (w > 0) out << "sliding window " << w << " on " << n << " of " << c.num_hidden_layers << " layers";
  return out.str();
}

std::string rope_text(const ModelConfig& c) {
  std::ostringstream out;
  out << c.rope_scaling.type << " (theta " << c.rope_theta;
  if (c.rope_scaling.type != "default") out << ", factor " << c.rope_scaling.factor;
  if (c.rope_scaling.original_max_position_embeddings > 0)
    out << ", original context " << c.rope_scaling.original_max_position_embeddings;
  out << ")";
  if (c.rope_local_base_freq > 0) out << "; sliding layers: default (theta " << c.rope_local_base_freq << ")";
  return out.str();
}

void describe_model(const std::string& dir) {
  const ModelConfig c = ModelConfig::load(dir);
  std::map<std::string, at::Tensor> tensors = load_checkpoint_tensors(dir);  // mapped, not read
  int64_t params = 0, bytes = 0;
  std::set<std::string> dtypes;
  for (const auto& [name, t] : tensors) {
    params += t.numel();
    bytes += t.numel() * static_cast<int64_t>(t.element_size());
    dtypes.insert(c10::toString(t.scalar_type()));
  }
  std::string dtype_list;
  for (const auto& d : dtypes) dtype_list += (dtype_list.empty() ? "" : ", ") + d;
  std::cout << "model " << dir << "\nfamily " << c.model_type << "\nparameters " << params << "\nbytes on disk "
            << bytes << "\ndtype on disk " << dtype_list << "\ncontext " << c.max_position_embeddings
            << " positions\nlayers " << c.num_hidden_layers << " (hidden " << c.hidden_size << ", heads "
            << c.num_attention_heads << ", kv heads " << c.num_key_value_heads << ", head_dim " << c.head_dim
            << ")\nattention " << windows_text(c) << "\nrope " << rope_text(c) << "\nmlp " << c.hidden_act
            << "\nnorms " << (c.norm_weight_offset != 0 ? "rms (1 + w)" : "rms") << (c.qk_norm ? ", q/k norm" : "")
            << (c.sandwich_norms ? ", four per layer" : "") << "\ntied embeddings "
            << (c.tie_word_embeddings ? "yes" : "no") << "\n";
  if (c.final_logit_softcapping > 0) std::cout << "final logit soft-cap " << c.final_logit_softcapping << "\n";
  if (c.attn_logit_softcapping > 0) std::cout << "attention soft-cap " << c.attn_logit_softcapping << "\n";
}

Register reg("info", "print build and machine information, or what lpo makes of a model (--model)",
             [](CLI::App& app) -> Runner {
  auto flags = std::make_shared<ComputeFlags>();
  auto model = std::make_shared<std::string>();
  add_compute_flags(app, *flags);
  app.add_option("--model", *model, "a model directory to describe (config.json + safetensors)");
  return [flags, model] {
    apply_compute_flags(*flags);
    if (!model->empty()) {
      describe_model(*model);
      return 0;
    }
    std::cout << "lpo 0.1.0\nlibtorch " << TORCH_VERSION << "\nthreads " << at::get_num_threads()
              << "\ncuda " << (cuda_available() ? "yes" : "no") << "\nnccl " << (LPO_NCCL ? "yes" : "no")
              << "\ndevice " << compute_device(*flags).str() << "\n";
    return 0;
  };
});
}  // namespace
}  // namespace lpo::cli
