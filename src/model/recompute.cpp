#include "model/recompute.hpp"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>
#include <torch/csrc/autograd/saved_variable.h>

namespace lpo {
namespace {

// The backward node: recompute the block on a detached copy of its input, backpropagate the
// incoming gradient through it, and pass the input's gradient on.
struct RecomputeBackward : torch::autograd::Node {
  std::function<at::Tensor(const at::Tensor&)> block;
  torch::autograd::SavedVariable input;

  torch::autograd::variable_list apply(torch::autograd::variable_list&& grads) override {
    at::AutoGradMode grad_on(true);
    at::Tensor x = input.unpack().detach().requires_grad_(true);
    at::Tensor y = block(x);
    torch::autograd::backward({y}, {grads[0]});
    return {x.grad()};
  }
  void release_variables() override {
    input.reset_data();
    block = nullptr;
  }
  std::string name() const override { return "lpo::RecomputeBackward"; }
};

}  // namespace

at::Tensor recompute_in_backward(const std::function<at::Tensor(const at::Tensor&)>& block, const at::Tensor& x) {
  if (!at::GradMode::is_enabled() || !x.requires_grad()) return block(x);
  at::Tensor y;
  {
    at::NoGradGuard no_grad;
    y = block(x);
  }
  auto node = std::shared_ptr<RecomputeBackward>(new RecomputeBackward(), torch::autograd::deleteNode);
  node->set_next_edges(torch::autograd::collect_next_edges(x));
  node->input = torch::autograd::SavedVariable(x, /*is_output=*/false);
  node->block = block;
  torch::autograd::set_history(y, node);
  return y;
}

}  // namespace lpo
