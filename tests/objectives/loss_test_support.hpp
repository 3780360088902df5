// Helpers shared by the loss tests: float64 inputs and a metric's value.
#pragma once
#include <ATen/ATen.h>

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "objectives/preference_loss.hpp"

namespace lpo::objectives::test_support {

/// v -> [N] float64, optionally a leaf that requires grad.
inline at::Tensor f64(std::vector<double> v, bool requires_grad = false) {
  auto t = at::tensor(v, at::kDouble);
  return requires_grad ? t.requires_grad_() : t;
}

/// The metric `name` of a loss output (a test failure and NaN when absent).
inline double metric(const LossOutput& out, const std::string& name) {
  auto it = out.metrics.find(name);
  if (it == out.metrics.end()) ADD_FAILURE() << "missing metric " << name;
  return it == out.metrics.end() ? NAN : it->second.item<double>();
}

}  // namespace lpo::objectives::test_support
