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

/// Keeps freed memory in the process (glibc mallopt: no mmap for blocks < 256 MiB, trim only
/// above 1 GiB) so the many short-lived activation tensors reuse warm pages instead of
/// faulting fresh ones in: on virtual machines where page faults are costly this makes a
/// forward pass up to 10x faster (stories260K, T=200: 240 ms -> 28 ms). No-op off glibc.
void tune_allocator();

}  // namespace lpo
