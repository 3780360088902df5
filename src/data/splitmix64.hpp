// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator whose stream is the same on every
// platform, for generated data that must not change between machines or standard libraries.
#pragma once
#include <cstdint>

namespace lpo {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform integer in [lo, hi] (rejection sampling, no modulo bias).
  long uniform(long lo, long hi) {
    const uint64_t range = static_cast<uint64_t>(hi - lo) + 1;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    uint64_t x;
    do x = next(); while (x >= limit);
    return lo + static_cast<long>(x % range);
  }

 private:
  uint64_t state_;
};

}  // namespace lpo
