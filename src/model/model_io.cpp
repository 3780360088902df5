// load_model / save_model (declared in transformer.hpp): HF model directories <-> Transformer.
#include <filesystem>
#include <set>
#include <sstream>

#include "io/hf_checkpoint.hpp"
#include "model/transformer.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

std::string shape_string(at::IntArrayRef shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Tensors a checkpoint may hold besides the parameters: RoPE buffers some exporters keep, and
// the lm_head of a tied model.
bool ignorable(const std::string& name, const ModelConfig& c) {
  return ends_with(name, "rotary_emb.inv_freq") || (c.tie_word_embeddings && name == "lm_head.weight");
}

std::string dtype_name(at::ScalarType t) {
  if (t == at::kFloat) return "float32";
  if (t == at::kBFloat16) return "bfloat16";
  if (t == at::kHalf) return "float16";
  fail("save_model: disk dtype must be float32, bfloat16 or float16, got ", c10::toString(t));
}

// What a wrong head_dim looks like: the attention projections disagree with config.json.
std::string shape_hint(const std::string& name, const ModelConfig& c) {
  if (name.find("self_attn.") == std::string::npos) return "";
  return " (check 'head_dim' = " + std::to_string(c.head_dim) + ", 'num_attention_heads' = " +
         std::to_string(c.num_attention_heads) + ", 'num_key_value_heads' = " + std::to_string(c.num_key_value_heads) +
         " in config.json)";
}

}  // namespace

at::ScalarType disk_dtype_of(const ModelConfig& config) {
  if (config.torch_dtype == "bfloat16") return at::kBFloat16;
  if (config.torch_dtype == "float16") return at::kHalf;
  return at::kFloat;
}

Transformer load_model(const std::string& dir, c10::Device device, at::ScalarType dtype) {
  ModelConfig config = ModelConfig::load(dir);
  Transformer model(config, device, dtype, /*initialise=*/false);
  std::map<std::string, at::Tensor> tensors = load_checkpoint_tensors(dir);
  std::set<std::string> expected;
  std::vector<std::string> names;
  for (const auto& [name, param] : model.named_parameters()) names.push_back(name);
  at::NoGradGuard no_grad;
  for (const std::string& name : names) {
    at::Tensor& param = model.parameter(name);
    expected.insert(name);
    auto it = tensors.find(name);
    check(it != tensors.end(), dir, ": checkpoint lacks tensor '", name, "' (expected shape ",
          shape_string(param.sizes()), " from config.json)");
    check(it->second.sizes() == param.sizes(), dir, ": tensor '", name, "' has shape ",
          shape_string(it->second.sizes()), " but config.json implies ", shape_string(param.sizes()),
          shape_hint(name, config));
    // Same dtype on the CPU: use the mapped file's pages (copy-on-write), so loading costs no
    // second copy of the weights in memory.
    if (device.is_cpu() && it->second.scalar_type() == dtype && it->second.is_contiguous())
      param = it->second;
    else
      param.copy_(it->second);
  }
  for (const auto& [name, t] : tensors)
    check(expected.count(name) || ignorable(name, config), dir, ": unexpected tensor '", name, "' ",
          shape_string(t.sizes()), " (not part of a ", config.model_type, " model with this config.json)");
  return model;
}

void save_model(const Transformer& model, const std::string& dir, std::optional<at::ScalarType> disk_dtype,
                uint64_t max_shard_bytes) {
  ModelConfig config = model.config();
  const at::ScalarType dtype = disk_dtype ? *disk_dtype : disk_dtype_of(config);
  config.torch_dtype = dtype_name(dtype);
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, t] : model.named_parameters()) tensors.emplace_back(name, t.detach().to(dtype));
  save_checkpoint_tensors(dir, tensors, max_shard_bytes);
  write_file_atomic(dir + "/config.json", config.to_json().dump(2) + "\n");
}

}  // namespace lpo
