// Mixed-precision training (--bf16): the forward and backward passes run on a bfloat16 copy of
// the model, while the optimizer updates float32 master weights with float32 gradients and
// float32 AdamW moments (Micikevicius et al. 2018, "Mixed Precision Training"; Megatron's --bf16
// keeps float32 main parameters and gradients the same way). bfloat16 has float32's exponent
// range, so no loss scaling is needed. Losses and log-prob reductions stay float32 or wider
// (objectives/chunked_logprobs, objectives/preference_loss).
#pragma once
#include <optional>
#include <vector>

#include "model/transformer.hpp"

namespace lpo::training {

class MixedPrecision {
 public:
  /// `master`: the float32 model the optimizer updates and checkpoints store; it must outlive
  /// this object. With `bf16`, makes a bfloat16 copy of it on the same device (2 bytes per
  /// parameter more); without, compute() is `master` itself and every call below is a no-op.
  MixedPrecision(Transformer& master, bool bf16);

  bool enabled() const { return copy_.has_value(); }
  /// The model forward and backward run on (bfloat16 copy, or the master).
  const Transformer& compute() const { return copy_ ? *copy_ : master_; }

  /// After each micro-batch's backward: adds the copy's bfloat16 gradients into the master's
  /// float32 ones (so accumulation over micro-batches is in float32) and drops the copy's.
  void accumulate_gradients();
  /// After the optimizer step: copies the master weights into the bfloat16 copy (rounded to
  /// nearest even).
  void refresh_weights();

 private:
  Transformer& master_;
  std::optional<Transformer> copy_;
  std::vector<at::Tensor> master_params_, copy_params_;
};

}  // namespace lpo::training
