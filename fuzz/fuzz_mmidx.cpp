// The indexed dataset's .idx (Megatron MMIDIDX) with a fixed small .bin: header, counts,
// sizes, pointers, document index; every sequence of an index that opens is read.
#include "fuzz_input.hpp"
#include "io/mmidx.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string idx = lpo::fuzz::write_input(data, size, "set.idx");
  const std::string prefix = idx.substr(0, idx.size() - 4);
  static const bool bin_written = [&] {
    uint8_t bin[64];
    for (int i = 0; i < 64; ++i) bin[i] = static_cast<uint8_t>(i);
    lpo::fuzz::write_input(bin, sizeof bin, "set.bin");
    return true;
  }();
  (void)bin_written;
  try {
    lpo::io::MmidxReader reader(prefix);
    std::vector<int32_t> tokens;
    for (int64_t i = 0; i < reader.num_sequences(); ++i) reader.read_sequence(i, tokens);
    for (int64_t d = 0; d <= reader.num_documents(); ++d) (void)reader.document_start(d);
  } catch (const lpo::Error&) {
  }
  return 0;
}
