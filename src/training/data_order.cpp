#include "training/data_order.hpp"

#include <numeric>
#include <random>

#include "util/error.hpp"

namespace lpo::training {

DataOrder::DataOrder(int64_t size, uint64_t seed, bool shuffle) : size_(size), seed_(seed), shuffle_(shuffle) {
  check(size > 0, "the training data holds no examples");
}

int64_t DataOrder::at(int64_t consumed) {
  const int64_t epoch = consumed / size_;
  if (epoch != epoch_) {
    perm_.resize(size_);
    std::iota(perm_.begin(), perm_.end(), 0);
    if (shuffle_) {
      // Explicit Fisher-Yates on mt19937_64: std::shuffle's algorithm is unspecified,
      // so the order would differ between standard libraries.
      std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch));
      for (int64_t i = size_ - 1; i > 0; --i) {
        const auto j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
        std::swap(perm_[i], perm_[j]);
      }
    }
    epoch_ = epoch;
  }
  return perm_[consumed % size_];
}

}  // namespace lpo::training
