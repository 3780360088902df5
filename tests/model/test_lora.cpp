// LoRA (model/lora.hpp, PEFT IO in io/peft_adapter.hpp): the PEFT-format golden adapter of
// ../shared/models/tiny-qwen2-lora-golden (numbers from an independent implementation of
// W' = W + (α/r)·B·A), a second adapter (other rank, MLP modules, rsLoRA, llama3) checked
// against weights merged here by hand from the file, fresh adapters equal to the base,
// frozen base weights, and dropout that a recomputed layer repeats.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "io/peft_adapter.hpp"
#include "io/safetensors.hpp"
#include "model/layers.hpp"
#include "model/lora.hpp"
#include "model/transformer.hpp"
#include "model_test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

constexpr const char* kGolden = "models/tiny-qwen2-lora-golden";

void expect_golden(const Transformer& model, const nlohmann::json& golden, const std::string& what) {
  at::NoGradGuard no_grad;
  for (const auto& g : golden) {
    auto ids = g["ids"].get<std::vector<int64_t>>();
    at::Tensor logits = model.forward(test::row(ids))[0];
    at::Tensor expected = at::tensor(g["last_logits"].get<std::vector<double>>(), at::kDouble);
    const double diff = (logits[-1].to(at::kDouble) - expected).abs().max().item<double>();
    EXPECT_TRUE(test::close(logits[-1], expected)) << what << ": max |diff| " << diff;
    std::printf("%s: ids of length %zu, max |last logit - golden| %.2e\n", what.c_str(), ids.size(), diff);
    const double sum = test::sum_logprob(logits, ids), want = g["sum_logprob_of_ids_after_first"].get<double>();
    EXPECT_NEAR(sum, want, 1e-4 * std::abs(want)) << what;
  }
}

TEST(Lora, GoldenAdapterAndMergedModel) {
  LPO_REQUIRE_SHARED(std::string(kGolden) + "/golden.json");
  const std::string adapter = test::shared_path(kGolden);
  LoraConfig config = read_lora_config(adapter);
  EXPECT_EQ(config.r, 8);
  EXPECT_DOUBLE_EQ(config.scale(), 2.0);
  EXPECT_EQ(config.target_modules, (std::vector<std::string>{"q_proj", "v_proj"}));
  auto golden = test::read_json(adapter + "/golden.json");
  Transformer base = load_model(test::shared_path("models/tiny-qwen2-golden"));
  Transformer model = load_model(test::shared_path("models/tiny-qwen2-golden"));
  model.load_lora(adapter);
  EXPECT_EQ(model.named_adapters().size(), 12u);  // 3 layers × 2 modules × (A, B)
  expect_golden(model, golden, "adapter");
  {  // the adapter matters: the base alone is far from the golden numbers
    at::NoGradGuard no_grad;
    auto ids = golden[0]["ids"].get<std::vector<int64_t>>();
    at::Tensor expected = at::tensor(golden[0]["last_logits"].get<std::vector<double>>(), at::kFloat);
    EXPECT_GT((base.forward(test::row(ids))[0][-1] - expected).abs().max().item<double>(), 1e-2);
  }
  model.merge_lora();
  EXPECT_EQ(model.lora(), nullptr);
  expect_golden(model, golden, "merged");
}

// r 4, α 8, rsLoRA (s = 8/2 = 4), attention and MLP modules, on llama3, gemma3 (offset and
// sandwich norms; adapters on layers 0 and 2 only) and qwen3 (q/k norm); the adapter path
// equals weights merged here from adapter_model.safetensors with the formula, not by merge_lora.
TEST(Lora, SecondAdapterMatchesIndependentMerge) {
  for (const std::string family : {"llama3", "gemma3", "qwen3"}) {
    const std::string base_dir = "models/tiny-" + family + "-golden";
    LPO_REQUIRE_SHARED(base_dir + "/config.json");
    Transformer model = load_model(test::shared_path(base_dir));
    const ModelConfig& mc = model.config();
    LoraConfig c;
    c.r = 4;
    c.alpha = 8;
    c.use_rslora = true;
    c.target_modules = parse_lora_target_modules("down_proj,k_proj,o_proj,gate_proj", "--lora-target-modules");
    EXPECT_EQ(c.target_modules, (std::vector<std::string>{"k_proj", "o_proj", "gate_proj", "down_proj"}));
    EXPECT_DOUBLE_EQ(c.scale(), 4.0);
    if (family == "gemma3") c.layers = {0, 2};
    model.add_lora(c, 7);
    {  // give B values (PEFT starts it at 0), as training would
      at::NoGradGuard no_grad;
      for (const auto& [name, t] : model.named_adapters())
        if (name.find("lora_B") != std::string::npos) t.normal_(0.0, 0.05);
    }
    const std::string dir = test::temp_dir("lora-second-" + family);
    model.save_lora(dir);
    auto js = test::read_json(dir + "/adapter_config.json");
    EXPECT_EQ(js["peft_type"], "LORA");
    EXPECT_EQ(js["task_type"], "CAUSAL_LM");
    EXPECT_EQ(js["bias"], "none");
    EXPECT_EQ(js["r"], 4);
    EXPECT_EQ(js["use_rslora"], true);

    Transformer loaded = load_model(test::shared_path(base_dir));
    loaded.load_lora(dir);
    Transformer merged = load_model(test::shared_path(base_dir));
    SafetensorsFile file(dir + "/adapter_model.safetensors");
    EXPECT_EQ(file.entry("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight").shape,
              (std::vector<int64_t>{4, mc.intermediate_size}));
    EXPECT_EQ(file.entry("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight").shape,
              (std::vector<int64_t>{mc.hidden_size, 4}));
    int merged_count = 0;
    {
      at::NoGradGuard no_grad;
      for (int64_t l = 0; l < mc.num_hidden_layers; ++l) {
        if (family == "gemma3" && l == 1) continue;
        for (const std::string m : {"self_attn.k_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.down_proj"}) {
          const std::string pre = "model.layers." + std::to_string(l) + "." + m;
          at::Tensor a = file.tensor("base_model.model." + pre + ".lora_A.weight").to(at::kDouble);
          at::Tensor b = file.tensor("base_model.model." + pre + ".lora_B.weight").to(at::kDouble);
          at::Tensor& w = merged.parameter(pre + ".weight");
          w = (w.to(at::kDouble) + (8.0 / 2.0) * b.matmul(a)).to(at::kFloat);
          ++merged_count;
        }
      }
    }
    EXPECT_EQ(merged_count * 2, static_cast<int>(file.names().size())) << family;
    at::NoGradGuard no_grad;
    at::Tensor ids = at::arange(5, 45, at::kLong).unsqueeze(0);
    at::Tensor want = merged.forward(ids), plain = load_model(test::shared_path(base_dir)).forward(ids);
    EXPECT_GT((loaded.forward(ids) - plain).abs().max().item<double>(), 1e-3) << family;  // the adapter matters
    EXPECT_LT((loaded.forward(ids) - want).abs().max().item<double>(), 1e-5) << family;
    EXPECT_LT((model.forward(ids) - want).abs().max().item<double>(), 1e-5) << family;
    loaded.merge_lora();
    EXPECT_LT((loaded.forward(ids) - want).abs().max().item<double>(), 1e-5) << family;
  }
}

TEST(Lora, FreshAdapterEqualsBaseAndTrainsOnlyAdapters) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  Transformer base = load_model(test::shared_path("models/tiny-qwen2-golden"));
  Transformer model = load_model(test::shared_path("models/tiny-qwen2-golden"));
  LoraConfig c;
  c.r = 4;
  c.alpha = 16;
  c.target_modules = parse_lora_target_modules("all-linear", "flag");
  model.add_lora(c, 1);
  ASSERT_EQ(model.named_adapters().size(), 3u * 7u * 2u);
  for (const auto& [name, t] : model.named_adapters()) {
    if (name.find("lora_B") != std::string::npos) {
      EXPECT_EQ(t.abs().max().item<double>(), 0.0) << name;
    } else {  // Kaiming-uniform a=√5: U(−1/√in, 1/√in)
      const double bound = 1.0 / std::sqrt(static_cast<double>(t.size(1)));
      EXPECT_LE(t.abs().max().item<double>(), bound) << name;
      EXPECT_GT(t.abs().max().item<double>(), 0.8 * bound) << name;
    }
  }
  at::Tensor ids = at::arange(3, 30, at::kLong).unsqueeze(0);
  {
    at::NoGradGuard no_grad;
    EXPECT_TRUE(at::equal(model.forward(ids), base.forward(ids)));
  }
  model.set_requires_grad(true);
  model.forward(ids).logsumexp(-1).sum().backward();
  for (const auto& [name, t] : model.named_parameters()) EXPECT_FALSE(t.grad().defined()) << name;
  for (const auto& [name, t] : model.named_adapters()) {
    ASSERT_TRUE(t.grad().defined()) << name;
    // B = 0 makes A's gradient 0 at step 0; B's is not.
    if (name.find("lora_B") != std::string::npos) EXPECT_GT(t.grad().abs().max().item<double>(), 0.0) << name;
    else EXPECT_EQ(t.grad().abs().max().item<double>(), 0.0) << name;
  }
  EXPECT_EQ(model.trainable_parameters().size(), model.named_adapters().size());
}

// Dropout on the adapter input: on only with a seed, repeatable, and the same masks when the
// layer is recomputed in backward (so gradients with and without recomputation agree).
TEST(Lora, DropoutIsSeededAndRecomputeSafe) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  Transformer model = load_model(test::shared_path("models/tiny-qwen2-golden"));
  LoraConfig c;
  c.r = 4;
  c.alpha = 8;
  c.dropout = 0.5;
  c.target_modules = {"q_proj", "v_proj", "up_proj", "down_proj"};
  model.add_lora(c, 3);
  {
    at::NoGradGuard no_grad;
    for (const auto& [name, t] : model.named_adapters()) t.normal_(0.0, 0.1);
  }
  model.set_requires_grad(true);
  at::Tensor ids = at::arange(3, 30, at::kLong).unsqueeze(0);
  auto grads = [&](bool recompute, int64_t seed) {
    for (const at::Tensor& t : model.trainable_parameters()) t.mutable_grad() = at::Tensor();
    model.set_lora_dropout_seed(seed);
    ForwardOptions o;
    o.recompute_activations = recompute;
    at::Tensor loss = model.forward(ids, o).logsumexp(-1).sum();
    loss.backward();
    model.set_lora_dropout_seed(-1);
    std::vector<at::Tensor> out{loss.detach()};
    for (const at::Tensor& t : model.trainable_parameters()) out.push_back(t.grad().clone());
    return out;
  };
  auto off = grads(false, -1), a = grads(false, 11), again = grads(false, 11), other = grads(false, 12);
  auto recomputed = grads(true, 11);
  EXPECT_GT(std::abs(off[0].item<double>() - a[0].item<double>()), 1e-4);
  EXPECT_GT(std::abs(other[0].item<double>() - a[0].item<double>()), 1e-4);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(at::equal(a[i], again[i])) << i;
    EXPECT_TRUE(test::close(a[i], recomputed[i], 1e-5, 1e-6)) << i;
  }
}

// The fused MLP with adapters (its own backward) against the same MLP composed of autograd ops
// (adapted_linear): output and every gradient, with dropout, for SwiGLU and GeGLU, adapters on
// all three or only some modules, frozen base weights.
TEST(Lora, FusedMlpBackwardMatchesComposedOps) {
  at::manual_seed(5);
  const int64_t H = 12, I = 20, r = 3;
  for (const std::string act : {"silu", "gelu_pytorch_tanh"})
    for (int which : {7, 4, 2}) {  // bit 4: gate, 2: up, 1: down
      at::Tensor x = at::randn({2, 5, H}, at::kDouble).to(at::kFloat).requires_grad_(true);
      at::Tensor wg = at::randn({I, H}) * 0.3, wu = at::randn({I, H}) * 0.3, wd = at::randn({H, I}) * 0.3;
      auto make = [&](int64_t out, int64_t in, int64_t seed, bool on) {
        if (!on) return LoraAdapter{};
        return LoraAdapter{(at::randn({r, in}) * 0.3).requires_grad_(true),
                           (at::randn({out, r}) * 0.3).requires_grad_(true), 1.7, 0.25, seed};
      };
      MlpAdapters a{make(I, H, 1, which & 4), make(I, H, 2, which & 2), make(H, I, 3, which & 1)};
      at::Tensor fused = gated_mlp(x, wg, wu, wd, act, &a);
      const bool gelu = act != "silu";
      auto actf = [&](const at::Tensor& g) { return gelu ? at::gelu(g, "tanh") : at::silu(g); };
      at::Tensor composed = adapted_linear(actf(adapted_linear(x, wg, {}, a.gate)) * adapted_linear(x, wu, {}, a.up),
                                           wd, {}, a.down);
      ASSERT_LT((fused - composed).abs().max().item<double>(), 1e-5) << act << " " << which;
      at::Tensor dy = at::randn(fused.sizes());
      std::vector<at::Tensor> inputs{x};
      for (const LoraAdapter* l : {&a.gate, &a.up, &a.down})
        if (l->defined()) inputs.insert(inputs.end(), {l->a, l->b});
      auto gf = torch::autograd::grad({fused}, inputs, {dy});
      auto gc = torch::autograd::grad({composed}, inputs, {dy});
      for (size_t i = 0; i < inputs.size(); ++i) {
        ASSERT_TRUE(gf[i].defined() && gc[i].defined()) << i;
        EXPECT_GT(gc[i].abs().max().item<double>(), 1e-3) << act << " " << which << " input " << i;
        EXPECT_LT((gf[i] - gc[i]).abs().max().item<double>(), 1e-4) << act << " " << which << " input " << i;
      }
    }
}

TEST(Lora, ConfigErrorsNameFileAndField) {
  const std::string dir = test::temp_dir("lora-bad-config");
  auto write = [&](const std::string& body) { std::ofstream(dir + "/adapter_config.json") << body; };
  write(R"({"peft_type": "PREFIX_TUNING", "r": 8, "target_modules": ["q_proj"]})");
  try {
    read_lora_config(dir);
    FAIL() << "accepted peft_type PREFIX_TUNING";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("peft_type"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("adapter_config.json"), std::string::npos) << e.what();
  }
  write(R"({"peft_type": "LORA", "r": 8, "target_modules": ".*attn.*"})");
  EXPECT_THROW(read_lora_config(dir), Error);
  write(R"({"peft_type": "LORA", "r": 0, "target_modules": ["q_proj"]})");
  EXPECT_THROW(read_lora_config(dir), Error);
  write(R"({"peft_type": "LORA", "r": 8, "lora_alpha": 32, "target_modules": "all-linear", "use_rslora": true})");
  LoraConfig c = read_lora_config(dir);
  EXPECT_EQ(c.target_modules.size(), 7u);
  EXPECT_DOUBLE_EQ(c.scale(), 32.0 / std::sqrt(8.0));
  EXPECT_THROW(parse_lora_target_modules("q_proj,lm_head", "--lora-target-modules"), Error);
  write(R"({"peft_type": "LORA", "r": 2, "target_modules": ["self_attn.v_proj", "q_proj"], "layers_to_transform": 1})");
  c = read_lora_config(dir);
  EXPECT_EQ(c.target_modules, (std::vector<std::string>{"q_proj", "v_proj"}));
  EXPECT_EQ(c.layers, (std::vector<int64_t>{1}));
}

}  // namespace
}  // namespace lpo
