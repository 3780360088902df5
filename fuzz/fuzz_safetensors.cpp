// safetensors: header length, JSON header, dtypes, shapes, data offsets; then every tensor read.
#include "fuzz_input.hpp"
#include "io/safetensors.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpo::fuzz::write_input(data, size, "model.safetensors");
  try {
    lpo::SafetensorsFile file(path);
    for (const auto& name : file.names()) {
      at::Tensor t = file.tensor(name);
      if (t.numel() > 0) (void)t.sum().item<double>();  // touch the bytes: offsets must be in range
    }
  } catch (const lpo::Error&) {
  }
  return 0;
}
