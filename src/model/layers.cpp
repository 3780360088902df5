#include "model/layers.hpp"

#include <torch/csrc/autograd/custom_function.h>

#include "util/error.hpp"

namespace lpo {

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, double offset) {
  at::Tensor x32 = x.to(at::kFloat);
  at::Tensor normed = x32 * at::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + eps);
  if (offset == 0.0) return weight * normed.to(x.scalar_type());
  return (normed * (weight.to(at::kFloat) + offset)).to(x.scalar_type());
}

namespace {

bool is_gelu(const std::string& activation) {
  if (activation == "silu") return false;
  check(activation == "gelu_pytorch_tanh", "gated_mlp: activation must be silu or gelu_pytorch_tanh, got '",
        activation, "'");
  return true;
}

at::Tensor activate(const at::Tensor& g, bool gelu) { return gelu ? at::gelu(g, "tanh") : at::silu(g); }

// y = (act(g) ⊙ u) Wdᵀ with g = x Wgᵀ, u = x Wuᵀ. With p = act(g) ⊙ u and dy:
//   dWd = dyᵀ p,  dp = dy Wd,  du = dp ⊙ act(g),  dg = dp ⊙ u ⊙ act'(g),
//   silu'(g) = σ(g) (1 + g (1 − σ(g))), gelu'(g) from at::gelu_backward,
//   dWg = dgᵀ x,  dWu = duᵀ x,  dx = dg Wg + du Wu.
struct GatedMlp : public torch::autograd::Function<GatedMlp> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& gate,
                            const at::Tensor& up, const at::Tensor& down, bool gelu) {
    at::Tensor g = at::linear(x, gate), u = at::linear(x, up);
    ctx->save_for_backward({x, g, u, gate, up, down});
    ctx->saved_data["gelu"] = gelu;
    ctx->saved_data["wgrad"] = gate.requires_grad() || up.requires_grad() || down.requires_grad();
    return at::linear(activate(g, gelu) * u, down);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto s = ctx->get_saved_variables();
    const at::Tensor &x = s[0], &g = s[1], &u = s[2], &gate = s[3], &up = s[4], &down = s[5];
    const bool gelu = ctx->saved_data["gelu"].toBool();
    const bool wgrad = ctx->saved_data["wgrad"].toBool();
    const int64_t H = x.size(-1), I = g.size(-1);
    at::Tensor dy = grads[0].reshape({-1, H}), x2 = x.reshape({-1, H});
    at::Tensor g2 = g.reshape({-1, I}), u2 = u.reshape({-1, I});
    at::Tensor dp = at::mm(dy, down);  // [N, I]
    at::Tensor dg, act;
    if (gelu) {
      act = at::gelu(g2, "tanh");
      dg = at::gelu_backward(dp * u2, g2, "tanh");
    } else {
      at::Tensor sig = at::sigmoid(g2);
      act = g2 * sig;
      dg = dp * u2 * (sig * (1 + g2 * (1 - sig)));
    }
    at::Tensor d_down = wgrad ? at::mm(dy.t(), act * u2) : at::Tensor();
    at::Tensor du = dp.mul_(act);
    at::Tensor dx = at::mm(dg, gate).add_(at::mm(du, up));
    if (!wgrad) return {dx.view(x.sizes()), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    return {dx.view(x.sizes()), at::mm(dg.t(), x2), at::mm(du.t(), x2), d_down, at::Tensor()};
  }
};

}  // namespace

at::Tensor gated_mlp(const at::Tensor& x, const at::Tensor& gate, const at::Tensor& up, const at::Tensor& down,
                     const std::string& activation, const MlpAdapters* adapters) {
  const bool gelu = is_gelu(activation);
  if (adapters && adapters->any()) {
    at::Tensor g = adapted_linear(x, gate, at::Tensor(), adapters->gate);
    at::Tensor u = adapted_linear(x, up, at::Tensor(), adapters->up);
    return adapted_linear(activate(g, gelu) * u, down, at::Tensor(), adapters->down);
  }
  if (!at::GradMode::is_enabled()) return at::linear(activate(at::linear(x, gate), gelu) * at::linear(x, up), down);
  return GatedMlp::apply(x, gate, up, down, gelu);
}

}  // namespace lpo
