#include "tokenizer/fingerprint.hpp"

#include <cstdint>
#include <cstdio>

namespace lpo {

std::string fnv1a64_hex(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char b : bytes) {
    hash ^= b;
    hash *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

}  // namespace lpo
