// Greedy decoding speed on ../shared/models/stories260K, with and without the KV cache.
// Usage: bench_generation_decode [model_dir] [new_tokens] [threads]
#include <chrono>
#include <cstdio>
#include <string>

#include <ATen/Parallel.h>

#include "generation/generate.hpp"
#include "model/runtime.hpp"

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : std::string(LPO_SHARED_DIR) + "/models/stories260K";
  int tokens = argc > 2 ? std::stoi(argv[2]) : 200;
  at::set_num_threads(argc > 3 ? std::stoi(argv[3]) : 1);
  lpo::tune_allocator();
  lpo::Transformer model = lpo::load_model(dir);
  for (int batch : {1, 8}) {
    for (bool cache : {true, false}) {
      lpo::GenerateOptions opt;
      opt.max_new_tokens = tokens;
      opt.use_cache = cache;
      opt.batch_size = batch;
      std::vector<std::vector<int32_t>> prompts(batch, std::vector<int32_t>{1});
      auto t0 = std::chrono::steady_clock::now();
      auto out = lpo::generate(model, prompts, opt);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      size_t n = 0;
      for (const auto& row : out) n += row.size();
      std::printf("batch %d, %-13s %6zu tokens in %.3f s: %8.1f tokens/s\n", batch,
                  cache ? "KV cache:" : "no cache:", n, secs, n / secs);
    }
  }
  return 0;
}
