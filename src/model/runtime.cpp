#include "model/runtime.hpp"

#include <sys/resource.h>

#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#if LPO_CUDA  // set by CMake when the libtorch in use was built with CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

#include "util/error.hpp"

namespace lpo {

int set_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
  return n;
}

bool cuda_available() {
#if LPO_CUDA
  return at::hasCUDA() && c10::cuda::device_count() > 0;
#else
  return false;
#endif
}

c10::Device parse_device(const std::string& name, int local_rank) {
  check(name == "auto" || name == "cpu" || name.rfind("cuda", 0) == 0,
        "--device: expected auto, cpu, cuda or cuda:N, got '", name, "'");
  if (name == "auto" && !cuda_available()) return c10::kCPU;
  const std::string text = name == "auto" ? "cuda" : name;
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(text);
  } catch (const std::exception&) {
    fail("--device: expected auto, cpu, cuda or cuda:N, got '", name, "'");
  }
  if (!device.is_cuda()) return device;
  check(cuda_available(), "--device ", name,
        ": no CUDA here (this lpo was built against a libtorch without CUDA, or the machine has no GPU); "
        "use --device cpu");
  if (!device.has_index()) device = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(std::max(0, local_rank)));
#if LPO_CUDA
  check(device.index() < c10::cuda::device_count(), "--device ", name, ": GPU ", static_cast<int>(device.index()),
        " requested but the machine has ", static_cast<int>(c10::cuda::device_count()));
#endif
  return device;
}

void synchronize(const c10::Device& device) {
#if LPO_CUDA
  if (device.is_cuda()) c10::cuda::device_synchronize();
#else
  (void)device;
#endif
}

double peak_memory_mb(const c10::Device& device) {
#if LPO_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    // Index 0 is StatType::AGGREGATE (all pools) in every release; the enum's namespace moved.
    return static_cast<double>(stats.allocated_bytes[0].peak) / (1 << 20);
  }
#endif
  (void)device;
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void reset_peak_memory(const c10::Device& device) {
#if LPO_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#else
  (void)device;
#endif
}

void tune_allocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace lpo
