// The loss registry: the seed's --loss-type names and the function each one runs.
// Adding a loss: one function in losses.{hpp,cpp}, one line in registry.cpp, one
// golden test.
#pragma once
#include <string>
#include <vector>

#include "objectives/losses.hpp"

namespace lpo::objectives {

/// The function registered under `name` (exact, case-sensitive; "dpo" is an alias of
/// "sigmoid"). Throws lpo::Error naming every valid type for an unknown name.
LossFunction find_loss(const std::string& name);

/// Every registered loss name, in registry order (for --help and error messages).
std::vector<std::string> loss_type_names();

}  // namespace lpo::objectives
