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

}  // namespace

Transformer load_model(const std::string& dir, c10::Device device, at::ScalarType dtype) {
  ModelConfig config = ModelConfig::load(dir);
  Transformer model(config, device, dtype);
  std::map<std::string, at::Tensor> tensors = load_checkpoint_tensors(dir);
  std::set<std::string> expected;
  at::NoGradGuard no_grad;
  for (const auto& [name, param] : model.named_parameters()) {  // copy_ fills the handle in place
    expected.insert(name);
    auto it = tensors.find(name);
    check(it != tensors.end(), dir, ": checkpoint lacks tensor '", name, "' (expected shape ",
          shape_string(param.sizes()), " from config.json)");
    check(it->second.sizes() == param.sizes(), dir, ": tensor '", name, "' has shape ",
          shape_string(it->second.sizes()), " but config.json implies ", shape_string(param.sizes()));
    param.copy_(it->second);
  }
  for (const auto& [name, t] : tensors)
    check(expected.count(name) || ignorable(name, config), dir, ": unexpected tensor '", name, "' ",
          shape_string(t.sizes()), " (not part of a ", config.model_type, " model with this config.json)");
  return model;
}

void save_model(const Transformer& model, const std::string& dir, at::ScalarType disk_dtype,
                uint64_t max_shard_bytes) {
  ModelConfig config = model.config();
  config.torch_dtype = dtype_name(disk_dtype);
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, t] : model.named_parameters()) tensors.emplace_back(name, t.detach().to(disk_dtype));
  save_checkpoint_tensors(dir, tensors, max_shard_bytes);
  write_file_atomic(dir + "/config.json", config.to_json().dump(2) + "\n");
}

}  // namespace lpo
