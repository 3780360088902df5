// `lpo info`: versions and compute settings, to paste into bug reports.
#include <iostream>

#include <torch/version.h>

#include "cli/command.hpp"

namespace lpo::cli {
namespace {
Register reg("info", "print build and machine information", [](CLI::App& app) -> Runner {
  auto flags = std::make_shared<ComputeFlags>();
  add_compute_flags(app, *flags);
  return [flags] {
    apply_compute_flags(*flags);
    std::cout << "lpo 0.1.0\nlibtorch " << TORCH_VERSION << "\nthreads " << at::get_num_threads()
              << "\ncuda " << (at::hasCUDA() ? "yes" : "no") << "\n";
    return 0;
  };
});
}  // namespace
}  // namespace lpo::cli
