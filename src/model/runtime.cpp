#include "model/runtime.hpp"

#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <ATen/Parallel.h>
#include <ATen/Context.h>

#include "util/error.hpp"

namespace lpo {

int set_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
  return n;
}

c10::Device parse_device(const std::string& name) {
  check(name == "cpu" || name.rfind("cuda", 0) == 0, "--device: expected cpu, cuda or cuda:N, got '",
        name, "'");
  c10::Device device(name);
  if (device.is_cuda())
    check(at::hasCUDA(), "--device ", name, ": this lpo was built against a libtorch without CUDA");
  return device;
}

void tune_allocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace lpo
