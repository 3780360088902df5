// lpo_spm_train 'TRAINER FLAGS': runs SentencePieceTrainer::Train(flags) in a process without
// libtorch (see tiny_spm_model.hpp). Exit status 0 on success, 1 with the status text on stderr.
#include <sentencepiece_trainer.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: lpo_spm_train '--input=... --model_prefix=... ...'\n";
    return 2;
  }
  const auto status = sentencepiece::SentencePieceTrainer::Train(argv[1]);
  if (status.ok()) return 0;
  std::cerr << "lpo_spm_train: " << status.ToString() << "\n";
  return 1;
}
