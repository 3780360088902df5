#include "model/layers.hpp"

#include <torch/csrc/autograd/custom_function.h>

namespace lpo {

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  at::Tensor x32 = x.to(at::kFloat);
  at::Tensor normed = x32 * at::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * normed.to(x.scalar_type());
}

namespace {

// y = (silu(g) ⊙ u) Wdᵀ with g = x Wgᵀ, u = x Wuᵀ. With p = silu(g) ⊙ u and dy:
//   dWd = dyᵀ p,  dp = dy Wd,  du = dp ⊙ silu(g),  dg = dp ⊙ u ⊙ silu'(g),
//   silu'(g) = σ(g) (1 + g (1 − σ(g))),  dWg = dgᵀ x,  dWu = duᵀ x,  dx = dg Wg + du Wu.
struct SwigluMlp : public torch::autograd::Function<SwigluMlp> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& gate,
                            const at::Tensor& up, const at::Tensor& down) {
    at::Tensor g = at::linear(x, gate), u = at::linear(x, up);
    ctx->save_for_backward({x, g, u, gate, up, down});
    return at::linear(at::silu(g) * u, down);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto s = ctx->get_saved_variables();
    const at::Tensor &x = s[0], &g = s[1], &u = s[2], &gate = s[3], &up = s[4], &down = s[5];
    const int64_t H = x.size(-1), I = g.size(-1);
    at::Tensor dy = grads[0].reshape({-1, H}), x2 = x.reshape({-1, H});
    at::Tensor g2 = g.reshape({-1, I}), u2 = u.reshape({-1, I});
    at::Tensor sig = at::sigmoid(g2);
    at::Tensor silu = g2 * sig;
    at::Tensor dp = at::mm(dy, down);  // [N, I]
    at::Tensor d_down = at::mm(dy.t(), silu * u2);
    at::Tensor du = dp * silu;
    at::Tensor dg = dp.mul_(u2).mul_(sig * (1 + g2 * (1 - sig)));
    at::Tensor dx = at::mm(dg, gate).add_(at::mm(du, up));
    return {dx.view(x.sizes()), at::mm(dg.t(), x2), at::mm(du.t(), x2), d_down};
  }
};

}  // namespace

at::Tensor swiglu_mlp(const at::Tensor& x, const at::Tensor& gate, const at::Tensor& up, const at::Tensor& down) {
  if (!at::GradMode::is_enabled()) return at::linear(at::silu(at::linear(x, gate)) * at::linear(x, up), down);
  return SwigluMlp::apply(x, gate, up, down);
}

}  // namespace lpo
