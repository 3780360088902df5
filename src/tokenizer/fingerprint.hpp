// Content digests for Tokenizer::fingerprint().
#pragma once
#include <string>
#include <string_view>

namespace lpo {

/// 16 lowercase hex digits of the 64-bit FNV-1a hash of `bytes`
/// (offset basis 14695981039346656037, prime 1099511628211; Fowler, Noll, Vo).
/// Not cryptographic: it tells tokenizer files apart, it does not defend against forgery.
std::string fnv1a64_hex(std::string_view bytes);

}  // namespace lpo
