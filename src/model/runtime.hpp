// Process-wide compute settings: thread count and device.
#pragma once
#include <string>

#include <c10/core/Device.h>

namespace lpo {

/// Sets libtorch's intra-op threads; n <= 0 means all cores (libtorch on Debian defaults to 1).
/// Returns the number set.
int set_threads(int n);

/// Parses "cpu", "cuda", "cuda:N". Throws lpo::Error for anything else or when CUDA is
/// requested but this libtorch has none.
c10::Device parse_device(const std::string& name);

}  // namespace lpo
