// config.json: every field's type and range, derived sizes (head_dim, heads vs kv heads).
#include "fuzz_input.hpp"
#include "model/model_config.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpo::fuzz::write_input(data, size, "config.json");
  try {
    lpo::ModelConfig c = lpo::ModelConfig::load(path);
    c.validate();
  } catch (const lpo::Error&) {
  }
  return 0;
}
