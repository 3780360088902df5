// Precompiled header shared by every target that uses libtorch (see cmake/layers.cmake).
// Only the ATen/autograd/optim parts we use: <torch/torch.h> would add torch::nn and data.
#pragma once
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/generated/variable_factories.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>
#include <ATen/Parallel.h>
#include <torch/version.h>
