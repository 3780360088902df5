// A tiny SentencePiece model for tests (there is no tokenizer.model in ../shared), trained by the
// lpo_spm_train tool in a child process so no test links libsentencepiece next to libtorch.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace lpo::test {

/// Writes 2000 generated sentences (18 words and a number each line) to `dir`/corpus.txt and
/// trains a 400-piece BPE model on them: `dir`/tokenizer.model with unk=0, <s>=1, </s>=2, byte
/// fallback and the identity normalizer. Returns `dir`; records a test failure when training fails.
inline std::string train_tiny_spm_model(const std::string& dir) {
  const std::string corpus = dir + "/corpus.txt";
  {
    std::ofstream out(corpus);
    const char* words[] = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far",
                           "away", "from", "home", "today", "little", "big", "red", "blue"};
    for (int i = 0; i < 2000; ++i) {
      for (int w = 0; w < 8; ++w) out << (w ? " " : "") << words[(i * 7 + w * 5 + i / 3) % 18];
      out << " " << i << "\n";
    }
  }
  const std::string flags = "--input=" + corpus + " --model_prefix=" + dir +
                            "/tokenizer --vocab_size=400 --model_type=bpe --character_coverage=1.0"
                            " --byte_fallback=true --normalization_rule_name=identity"
                            " --bos_id=1 --eos_id=2 --unk_id=0 --minloglevel=2";
  const std::string log = dir + "/train.log";
  const std::string command = std::string("'") + LPO_SPM_TRAIN + "' '" + flags + "' > " + log + " 2>&1";
  if (std::system(command.c_str()) != 0) {
    std::ifstream in(log);
    ADD_FAILURE() << command << "\n" << std::string(std::istreambuf_iterator<char>(in), {});
  }
  return dir;
}

}  // namespace lpo::test
