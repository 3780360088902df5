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

// GatedMlp with LoRA adapters on any of gate/up/down (model/lora.hpp), same saved tensors
// (x, g, u: the adapters' rank-r intermediates and dropout masks are recomputed in backward).
// With z = v Wᵀ + s·(M⊙v) Aᵀ Bᵀ for v the module's input and dz its output gradient:
//   dv = dz W + M⊙(s·dz B) A,  dA = (s·dz B)ᵀ (M⊙v),  dB = s·dzᵀ ((M⊙v) Aᵀ)   (lora_delta_backward).
struct GatedMlpLora : public torch::autograd::Function<GatedMlpLora> {
  // Absent adapters come as empty tensors (libtorch 1.13's Function rejects undefined inputs).
  static LoraAdapter adapter(const at::Tensor& a, const at::Tensor& b, double scale, double dropout, int64_t seed) {
    if (a.numel() == 0) return {};
    return LoraAdapter{a, b, scale, dropout, seed};
  }

  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& gate,
                            const at::Tensor& up, const at::Tensor& down, const at::Tensor& ag, const at::Tensor& bg,
                            const at::Tensor& au, const at::Tensor& bu, const at::Tensor& ad, const at::Tensor& bd,
                            bool gelu, double scale, double dropout, int64_t sg, int64_t su, int64_t sd) {
    const int64_t H = x.size(-1);
    at::Tensor x2 = x.reshape({-1, H});
    at::Tensor g = at::linear(x2, gate), u = at::linear(x2, up);
    if (ag.numel()) g.add_(lora_delta(x2, adapter(ag, bg, scale, dropout, sg)).to(g.scalar_type()));
    if (au.numel()) u.add_(lora_delta(x2, adapter(au, bu, scale, dropout, su)).to(u.scalar_type()));
    at::Tensor p = activate(g, gelu) * u;
    at::Tensor y = at::linear(p, down);
    if (ad.numel()) y.add_(lora_delta(p, adapter(ad, bd, scale, dropout, sd)).to(y.scalar_type()));
    ctx->save_for_backward({x, g, u, gate, up, down, ag, bg, au, bu, ad, bd});
    ctx->saved_data["gelu"] = gelu;
    ctx->saved_data["wgrad"] = gate.requires_grad() || up.requires_grad() || down.requires_grad();
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["dropout"] = dropout;
    ctx->saved_data["sg"] = sg;
    ctx->saved_data["su"] = su;
    ctx->saved_data["sd"] = sd;
    std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
    out_shape.back() = down.size(0);
    return y.view(out_shape);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto s = ctx->get_saved_variables();
    const at::Tensor &x = s[0], &g2 = s[1], &u2 = s[2], &gate = s[3], &up = s[4], &down = s[5];
    const bool gelu = ctx->saved_data["gelu"].toBool();
    const bool wgrad = ctx->saved_data["wgrad"].toBool();
    const double scale = ctx->saved_data["scale"].toDouble(), dropout = ctx->saved_data["dropout"].toDouble();
    const LoraAdapter lg = adapter(s[6], s[7], scale, dropout, ctx->saved_data["sg"].toInt());
    const LoraAdapter lu = adapter(s[8], s[9], scale, dropout, ctx->saved_data["su"].toInt());
    const LoraAdapter ld = adapter(s[10], s[11], scale, dropout, ctx->saved_data["sd"].toInt());
    const int64_t H = x.size(-1);
    at::Tensor dy = grads[0].reshape({-1, H}), x2 = x.reshape({-1, H});
    at::Tensor dg, act;
    at::Tensor sig;
    if (gelu) {
      act = at::gelu(g2, "tanh");
    } else {
      sig = at::sigmoid(g2);
      act = g2 * sig;
    }
    at::Tensor p = act * u2;
    at::Tensor dp = at::mm(dy, down);  // [N, I]
    LoraGrads gd, gg, gu;
    if (ld.defined()) {
      gd = lora_delta_backward(p, dy, ld);
      dp.add_(gd.dx.to(dp.scalar_type()));
    }
    if (gelu)
      dg = at::gelu_backward(dp * u2, g2, "tanh");
    else
      dg = dp * u2 * (sig * (1 + g2 * (1 - sig)));
    at::Tensor d_down = wgrad ? at::mm(dy.t(), p) : at::Tensor();
    at::Tensor du = dp.mul_(act);
    at::Tensor dx = at::mm(dg, gate).add_(at::mm(du, up));
    if (lg.defined()) {
      gg = lora_delta_backward(x2, dg, lg);
      dx.add_(gg.dx.to(dx.scalar_type()));
    }
    if (lu.defined()) {
      gu = lora_delta_backward(x2, du, lu);
      dx.add_(gu.dx.to(dx.scalar_type()));
    }
    at::Tensor d_gate = wgrad ? at::mm(dg.t(), x2) : at::Tensor();
    at::Tensor d_up = wgrad ? at::mm(du.t(), x2) : at::Tensor();
    return {dx.view(x.sizes()), d_gate, d_up, d_down, gg.da, gg.db, gu.da, gu.db, gd.da, gd.db,
            at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor gated_mlp(const at::Tensor& x, const at::Tensor& gate, const at::Tensor& up, const at::Tensor& down,
                     const std::string& activation, const MlpAdapters* adapters) {
  const bool gelu = is_gelu(activation);
  if (adapters && adapters->any()) {
    const MlpAdapters& a = *adapters;
    if (!at::GradMode::is_enabled()) {
      at::Tensor g = adapted_linear(x, gate, at::Tensor(), a.gate);
      at::Tensor u = adapted_linear(x, up, at::Tensor(), a.up);
      return adapted_linear(activate(g, gelu) * u, down, at::Tensor(), a.down);
    }
    // One scale and dropout per model (LoraConfig); take them from whichever adapter exists.
    const LoraAdapter& any = a.gate.defined() ? a.gate : a.up.defined() ? a.up : a.down;
    const at::Tensor none = at::empty({0}, x.options().dtype(at::kFloat));
    auto t = [&](const at::Tensor& v) { return v.defined() ? v : none; };
    return GatedMlpLora::apply(x, gate, up, down, t(a.gate.a), t(a.gate.b), t(a.up.a), t(a.up.b), t(a.down.a),
                               t(a.down.b), gelu,
                               any.scale, any.dropout, a.gate.dropout_seed, a.up.dropout_seed, a.down.dropout_seed);
  }
  if (!at::GradMode::is_enabled()) return at::linear(activate(at::linear(x, gate), gelu) * at::linear(x, up), down);
  return GatedMlp::apply(x, gate, up, down, gelu);
}

}  // namespace lpo
