// `lpo info`: versions and compute settings, to paste into bug reports.
#include <iostream>

#include <torch/version.h>

#include "cli/command.hpp"
#include "model/runtime.hpp"

#ifndef LPO_NCCL
#define LPO_NCCL 0  // set by CMake (cmake/torch.cmake)
#endif

namespace lpo::cli {
namespace {
Register reg("info", "print build and machine information", [](CLI::App& app) -> Runner {
  auto flags = std::make_shared<ComputeFlags>();
  add_compute_flags(app, *flags);
  return [flags] {
    apply_compute_flags(*flags);
    std::cout << "lpo 0.1.0\nlibtorch " << TORCH_VERSION << "\nthreads " << at::get_num_threads()
              << "\ncuda " << (cuda_available() ? "yes" : "no") << "\nnccl " << (LPO_NCCL ? "yes" : "no")
              << "\ndevice " << compute_device(*flags).str() << "\n";
    return 0;
  };
});
}  // namespace
}  // namespace lpo::cli
