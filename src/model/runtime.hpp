// Process-wide compute settings: thread count, device, and the few device queries the
// trainer and benchmarks need (synchronise, peak memory).
#pragma once
#include <string>

#include <c10/core/Device.h>

namespace lpo {

/// Sets libtorch's intra-op threads; n <= 0 means all cores (libtorch on Debian defaults to 1).
/// Returns the number set.
int set_threads(int n);

/// True when this lpo was built against a CUDA libtorch and the machine has a GPU.
bool cuda_available();

/// Parses "auto", "cpu", "cuda", "cuda:N". "auto" is cuda:0 when cuda_available(), else cpu.
/// With `local_rank` >= 0 (a distributed run), a bare "cuda" or "auto" means cuda:local_rank,
/// one GPU per local rank as torchrun lays them out. Throws lpo::Error for any other text, for
/// CUDA when this build or machine has none, and for an index past the GPUs present.
c10::Device parse_device(const std::string& name, int local_rank = -1);

/// Blocks until every kernel queued on `device` has finished (no-op on the CPU), so wall-clock
/// timings cover the work and not only its launch.
void synchronize(const c10::Device& device);

/// Peak memory of this process on `device`, in MB (2^20 bytes): the CUDA caching allocator's
/// peak allocated bytes since the last reset_peak_memory(); on the CPU, the peak resident set
/// (getrusage; never reset).
double peak_memory_mb(const c10::Device& device);
/// Starts a new peak for peak_memory_mb() (CUDA only; the CPU's peak RSS cannot be reset).
void reset_peak_memory(const c10::Device& device);

/// Keeps freed memory in the process (glibc mallopt: no mmap for blocks < 256 MiB, trim only
/// above 1 GiB) so the many short-lived activation tensors reuse warm pages instead of
/// faulting fresh ones in: on virtual machines where page faults are costly this makes a
/// forward pass up to 10x faster (stories260K, T=200: 240 ms -> 28 ms). No-op off glibc.
void tune_allocator();

}  // namespace lpo
