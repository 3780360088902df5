// `lpo merge-lora --model BASE --adapter DIR --out DIR`: folds a PEFT LoRA adapter into the base
// weights, W' = W + s·B·A (s = α/r or α/√r; PEFT merge_and_unload), and writes a full Hugging
// Face model directory in the base's dtype (config.json's torch_dtype), with its tokenizer files.
#include <filesystem>

#include "cli/adapter_flag.hpp"
#include "cli/command.hpp"
#include "model/transformer.hpp"
#include "training/checkpoint.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  std::string model, adapter, out;
  int threads = 0;
};

Register reg("merge-lora", "fold a PEFT LoRA adapter into its base model (full HF model directory)",
             [](CLI::App& app) -> Runner {
               auto f = std::make_shared<Flags>();
               app.add_option("--model", f->model, "base model directory")->required();
               app.add_option("--adapter", f->adapter, "PEFT LoRA adapter directory")->required();
               app.add_option("--out", f->out, "output model directory")->required();
               return [f] {
                 check(std::filesystem::weakly_canonical(f->out) != std::filesystem::weakly_canonical(f->model),
                       "--out must differ from --model (", f->model, ")");
                 // Merged in float32 one matrix at a time, stored in the base's own dtype.
                 const at::ScalarType dtype = disk_dtype_of(ModelConfig::load(f->model));
                 Transformer model = load_model(f->model, c10::kCPU, dtype);
                 model.load_lora(resolve_adapter_dir(f->adapter));
                 const int64_t layers = static_cast<int64_t>(model.named_adapters().size() / 2);
                 model.merge_lora();
                 save_model(model, f->out);
                 training::copy_tokenizer_files(f->model, f->out);
                 log::info("merged ", layers, " adapted layers of ", f->adapter, " into ", f->out, " (",
                           c10::toString(dtype), ")");
                 return 0;
               };
             });

}  // namespace
}  // namespace lpo::cli
