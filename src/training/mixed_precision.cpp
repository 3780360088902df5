#include "training/mixed_precision.hpp"

#include "util/error.hpp"

namespace lpo::training {

MixedPrecision::MixedPrecision(Transformer& master, bool bf16) : master_(master) {
  if (!bf16) return;
  check(master.dtype() == at::kFloat, "--bf16: the master weights must be float32, got ", master.dtype());
  copy_.emplace(master.to(master.device(), at::kBFloat16));
  copy_->set_requires_grad(true);
  master_params_ = master.parameters();
  copy_params_ = copy_->parameters();
}

void MixedPrecision::accumulate_gradients() {
  if (!copy_) return;
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < copy_params_.size(); ++i) {
    at::Tensor& g = copy_params_[i].mutable_grad();
    if (!g.defined()) continue;
    at::Tensor& main = master_params_[i].mutable_grad();
    if (main.defined())
      main.add_(g);  // bf16 + f32 -> f32 in place, no temporary
    else
      main = g.to(at::kFloat);
    g = at::Tensor();
  }
}

void MixedPrecision::refresh_weights() {
  if (!copy_) return;
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < copy_params_.size(); ++i) copy_params_[i].copy_(master_params_[i]);
}

}  // namespace lpo::training
