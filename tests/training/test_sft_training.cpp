// --train-mode sft: the logged loss is the next-token negative log-likelihood of the response
// tokens only (the prompt is context, not target), computed here independently from the full
// logits; bad lines of the SFT data are refused with their file and line.
#include <fstream>

#include "trainer_fixture.hpp"
#include "training/sft_task.hpp"
#include "training/training_data.hpp"

namespace lpo::training {
namespace {

// Mean over all response tokens of −log p(token | everything before it), from the logits of
// each whole sequence on its own (no batching, no packing, no masks beyond causality).
double response_nll(const Transformer& model, const std::vector<SftTokens>& examples) {
  at::NoGradGuard no_grad;
  double total = 0;
  int64_t count = 0;
  for (const SftTokens& e : examples) {
    std::vector<int64_t> ids(e.prompt.begin(), e.prompt.end());
    ids.insert(ids.end(), e.response.begin(), e.response.end());
    const at::Tensor logp = at::log_softmax(model.forward(at::tensor(ids).unsqueeze(0))[0].to(at::kDouble), -1);
    for (size_t t = e.prompt.size(); t < ids.size(); ++t) {  // targets: response tokens only
      total -= logp[static_cast<int64_t>(t) - 1][ids[t]].item<double>();
      ++count;
    }
  }
  return total / static_cast<double>(count);
}

std::vector<SftTokens> sft_examples() {
  // Prompts and responses of different lengths; ids below the byte vocabulary's 257.
  return {{{72, 105, 32, 49}, {50, 51, 256}},
          {{100, 101}, {102, 103, 104, 105, 256}},
          {{65, 66, 67, 68, 69, 70}, {71, 256}},
          {{33}, {34, 35, 36, 256}}};
}

}  // namespace

TEST(SftTraining, LossIsTheResponseOnlyNextTokenNll) {
  Fixture f = make_fixture(test::temp_dir("fx"));
  const auto examples = sft_examples();
  const Transformer model = load_model(f.model_dir);
  const double want = response_nll(model, examples);
  // With the prompt scored as well the number differs: the mask matters.
  std::vector<SftTokens> no_mask;
  for (const auto& e : examples) {
    SftTokens all{{e.prompt[0]}, std::vector<int32_t>(e.prompt.begin() + 1, e.prompt.end())};
    all.response.insert(all.response.end(), e.response.begin(), e.response.end());
    no_mask.push_back(all);
  }
  EXPECT_GT(std::abs(response_nll(model, no_mask) - want), 1e-3);
  for (bool pack : {true, false}) {
    TrainConfig c = lpo_config(f, "", 2);
    c.train_mode = "sft";
    c.micro_batch_size = c.global_batch_size = 4;  // one micro-batch: the loss is one token mean
    c.compute.layout.pack = pack;
    c.log_file = f.dir + (pack ? "/packed.jsonl" : "/padded.jsonl");
    SftTask task(examples, c.compute);
    TrainResult r = train(c, task);
    EXPECT_NEAR(r.first.at("loss"), want, 1e-5 * want) << (pack ? "packed" : "padded");
    EXPECT_LT(r.last.at("loss"), r.first.at("loss")) << "one update at lr 3e-3 lowers the NLL";
  }
}

TEST(SftTraining, BadLinesAreRefusedWithFileAndLine) {
  const std::string dir = test::temp_dir("sft");
  auto message = [&](const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    try {
      read_sft_examples(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string ok = R"({"prompt": "1+1?", "response": "2"})" "\n";
  EXPECT_NE(message("json.jsonl", ok + "{not json\n").find("json.jsonl:2"), std::string::npos)
      << message("json.jsonl", ok + "{not json\n");
  const std::string missing = message("missing.jsonl", ok + "\n" + R"({"prompt": "x"})" "\n");
  EXPECT_NE(missing.find("missing.jsonl:3: missing field 'response' or 'completion' or 'answer'"), std::string::npos)
      << missing;  // the blank line 2 still counts
  const std::string empty = message("empty.jsonl", R"({"question": "q", "answer": ""})" "\n");
  EXPECT_NE(empty.find("empty.jsonl:1: the response is empty"), std::string::npos) << empty;
  const std::string type = message("type.jsonl", ok + ok + R"({"prompt": 3, "response": "r"})" "\n");
  EXPECT_NE(type.find("type.jsonl:3: field 'prompt' must be a string"), std::string::npos) << type;
  // --skip-bad-lines: the good lines stay, the bad ones are counted.
  std::ofstream(dir + "/mixed.jsonl") << ok << "{not json\n" << R"({"prompt": "x"})" "\n" << ok;
  long skipped = 0;
  EXPECT_EQ(read_sft_examples(dir + "/mixed.jsonl", true, &skipped).size(), 2u);
  EXPECT_EQ(skipped, 2);
}

}  // namespace lpo::training
