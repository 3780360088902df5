// What keeps long runs alive and their checkpoints sound: non-finite steps are skipped and
// counted, SIGTERM saves and stops, corrupted checkpoints are detected and skipped over,
// old checkpoints are pruned, an unusable --save fails before training.
#include <csignal>
#include <set>

#include "trainer_fixture.hpp"

namespace lpo::training {
namespace {

// Wraps a task: the loss of the listed calls (0-based, one per micro-batch) becomes NaN, and
// at call `signal_at` the process sends itself SIGTERM (as a scheduler would).
class FaultyTask : public Task {
 public:
  FaultyTask(Task& inner, std::set<int64_t> nan_calls, int64_t signal_at = -1)
      : inner_(inner), nan_calls_(std::move(nan_calls)), signal_at_(signal_at) {}
  int64_t size() const override { return inner_.size(); }
  MicroStep micro_step(const Transformer& model, const std::vector<int64_t>& indices) override {
    const int64_t call = calls_++;
    if (call == signal_at_) std::raise(SIGTERM);
    MicroStep step = inner_.micro_step(model, indices);
    if (nan_calls_.count(call)) step.loss = step.loss * std::nan("");
    return step;
  }

 private:
  Task& inner_;
  std::set<int64_t> nan_calls_;
  int64_t signal_at_, calls_ = 0;
};

void truncate_file(const std::string& path, size_t keep) {
  std::string bytes = read_file(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(keep));
}

}  // namespace

TEST(GuardedTraining, NonFiniteStepIsSkippedAndCounted) {
  Fixture f = make_fixture(test::temp_dir("fx"));
  VectorPairSource source = f.source();
  PreferenceTask inner(source, lpo_config(f, "", 1).loss);
  FaultyTask task(inner, {4});  // iteration 3's first micro-batch (2 per iteration)
  TrainConfig c = lpo_config(f, f.dir + "/run", 5);
  TrainResult r = train(c, task);
  EXPECT_EQ(r.iterations, 5);
  EXPECT_EQ(r.skipped_steps, 1);
  std::vector<nlohmann::json> m;
  for_each_json_line(f.dir + "/run/metrics.jsonl", [&](const nlohmann::json& j, long) { m.push_back(j); });
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[1].at("skipped_steps").get<double>(), 0);
  EXPECT_EQ(m[2].at("skipped_steps").get<double>(), 1);
}

TEST(GuardedTraining, SkippedStepLeavesTheWeightsAlone) {
  Fixture f = make_fixture(test::temp_dir("fx"));
  VectorPairSource source = f.source();
  PreferenceTask inner(source, lpo_config(f, "", 1).loss);
  FaultyTask task(inner, {5});  // iteration 3's second micro-batch
  TrainResult skipped = train(lpo_config(f, f.dir + "/three", 3), task);
  EXPECT_EQ(skipped.skipped_steps, 1);
  TrainConfig two = lpo_config(f, f.dir + "/two", 3);
  two.exit_interval = 2;
  train(two, inner);
  Transformer a = load_model(f.dir + "/three/iter_0000003"), b = load_model(f.dir + "/two/iter_0000002");
  for (size_t i = 0; i < a.parameters().size(); ++i)
    EXPECT_TRUE(at::equal(a.parameters()[i], b.parameters()[i])) << a.named_parameters()[i].first;
}

TEST(GuardedTraining, TooManyNonFiniteStepsInARowAbort) {
  Fixture f = make_fixture(test::temp_dir("fx"));
  VectorPairSource source = f.source();
  PreferenceTask inner(source, lpo_config(f, "", 1).loss);
  FaultyTask task(inner, {2, 4, 6});  // iterations 2, 3 and 4
  TrainConfig c = lpo_config(f, f.dir + "/run", 6);
  c.max_skipped_steps = 2;
  try {
    train(c, task);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 steps in a row"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--max-skipped-steps 2"), std::string::npos) << e.what();
  }
}

TEST(GuardedTraining, SigtermSavesAndResumeReproducesTheUninterruptedRun) {
  Fixture f = make_fixture(test::temp_dir("fx"));
  VectorPairSource source = f.source();
  PreferenceTask task(source, lpo_config(f, "", 1).loss);
  train(lpo_config(f, f.dir + "/full", 6), task);
  FaultyTask signalled(task, {}, 5);  // during iteration 3 (its second micro-batch)
  TrainResult stopped = train(lpo_config(f, f.dir + "/split", 6), signalled);
  EXPECT_EQ(stopped.stop_signal, SIGTERM);
  EXPECT_EQ(stopped.iterations, 3);  // the step in flight finished first
  EXPECT_EQ(latest_checkpoint(f.dir + "/split"), f.dir + "/split/iter_0000003");
  TrainResult resumed = train(lpo_config(f, f.dir + "/split", 6), task);
  EXPECT_EQ(resumed.start_iteration, 3);
  auto full = logged_losses(f.dir + "/full/metrics.jsonl"), split = logged_losses(f.dir + "/split/metrics.jsonl");
  ASSERT_EQ(split.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(full[i], split[i]) << "iteration " << i + 1;  // bit-for-bit
}

TEST(GuardedTraining, DamagedCheckpointFallsBackToThePreviousGoodOne) {
  Fixture f = make_fixture(test::temp_dir("fx"));
  VectorPairSource source = f.source();
  PreferenceTask task(source, lpo_config(f, "", 1).loss);
  TrainConfig c = lpo_config(f, f.dir + "/run", 4);
  c.save_interval = 2;
  train(c, task);
  const std::string newest = f.dir + "/run/iter_0000004", older = f.dir + "/run/iter_0000002";
  EXPECT_EQ(verify_checkpoint(newest), "");
  EXPECT_EQ(latest_checkpoint(f.dir + "/run"), newest);

  // One flipped byte, same size: the CRC catches it.
  const std::string original = read_file(newest + "/model.safetensors");
  std::string weights = original;
  weights[weights.size() / 2] ^= 0x40;
  write_file_atomic(newest + "/model.safetensors", weights);
  EXPECT_NE(verify_checkpoint(newest).find("model.safetensors fails its CRC-32"), std::string::npos)
      << verify_checkpoint(newest);
  EXPECT_EQ(latest_checkpoint(f.dir + "/run"), older);

  // Truncated: the size catches it, and a resumed run continues from iteration 2.
  write_file_atomic(newest + "/model.safetensors", original);
  EXPECT_EQ(verify_checkpoint(newest), "");
  truncate_file(newest + "/optimizer.pt", 100);
  EXPECT_NE(verify_checkpoint(newest).find("optimizer.pt has 100 bytes"), std::string::npos);
  TrainResult r = train(c, task);
  EXPECT_EQ(r.start_iteration, 2);

  EXPECT_EQ(latest_checkpoint(f.dir + "/run"), newest);  // written again, sound

  // Nothing usable at all is an error naming the directory.
  truncate_file(newest + "/model.safetensors", 10);
  truncate_file(older + "/model.safetensors", 10);
  try {
    latest_checkpoint(f.dir + "/run");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no usable checkpoint under " + f.dir + "/run"), std::string::npos) << e.what();
  }
}

TEST(GuardedTraining, KeepCheckpointsPrunesTheOldest) {
  Fixture f = make_fixture(test::temp_dir("fx"));
  VectorPairSource source = f.source();
  PreferenceTask task(source, lpo_config(f, "", 1).loss);
  TrainConfig c = lpo_config(f, f.dir + "/run", 5);
  c.save_interval = 1;
  c.keep_checkpoints = 2;
  train(c, task);
  std::set<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(f.dir + "/run"))
    if (e.is_directory()) left.insert(e.path().filename().string());
  EXPECT_EQ(left, (std::set<std::string>{"iter_0000004", "iter_0000005"}));
}

TEST(GuardedTraining, UnwritableSaveFailsBeforeTraining) {
  Fixture f = make_fixture(test::temp_dir("fx"));
  VectorPairSource source = f.source();
  PreferenceTask task(source, lpo_config(f, "", 1).loss);
  write_file_atomic(f.dir + "/a-file", "x");
  TrainConfig c = lpo_config(f, f.dir + "/a-file/run", 2);  // a directory inside a regular file
  try {
    train(c, task);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--save " + f.dir + "/a-file/run"), std::string::npos) << e.what();
  }
}

}  // namespace lpo::training
