// tokenizer.json: model (BPE vocab, merges), normalizer, pre-tokenizer, added tokens; a
// tokenizer that loads must also encode and decode a fixed text without failing.
#include "fuzz_input.hpp"
#include "tokenizer/tokenizer.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpo::fuzz::write_input(data, size, "tokenizer.json");
  try {
    auto tok = lpo::load_tokenizer(path);
    auto ids = tok->encode("Hello, world! 123 \xC3\xA9t\xC3\xA9 <|im_end|>");
    (void)tok->decode(ids);
  } catch (const lpo::Error&) {
  }
  return 0;
}
