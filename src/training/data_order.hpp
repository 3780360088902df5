// Which example comes next: a seeded permutation per epoch, addressed by the number of
// samples consumed so far, so a resumed run continues at exactly the same example.
#pragma once
#include <cstdint>
#include <vector>

namespace lpo::training {

class DataOrder {
 public:
  /// `size` examples, shuffled per epoch from `seed` (shuffle=false keeps file order).
  DataOrder(int64_t size, uint64_t seed, bool shuffle = true);
  /// Index of the `consumed`-th sample overall (epoch = consumed / size).
  int64_t at(int64_t consumed);
  int64_t size() const { return size_; }

 private:
  int64_t size_;
  uint64_t seed_;
  bool shuffle_;
  int64_t epoch_ = -1;
  std::vector<int64_t> perm_;
};

}  // namespace lpo::training
