#include "pipeline/demo_report.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "pipeline/svg_chart.hpp"
#include "util/files.hpp"

namespace lpo::pipeline {
namespace {

using nlohmann::json;

const json* find_run(const json& results, const std::string& method, double lr, double r2 = 0.2) {
  for (const auto& r : results["runs"])
    if (r["method"] == method && std::abs(r["lr"].get<double>() - lr) < 1e-12 &&
        (method != "lpo" || std::abs(r["r2"].get<double>() - r2) < 1e-12))
      return &r;
  return nullptr;
}

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
  return buf;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.4f", v);
  return buf;
}

Series curve_series(const json& run, int column, const std::string& label, bool dashed) {
  Series s{label, {}, {}, dashed};
  for (const auto& row : run["curve"]) {
    s.x.push_back(row[0].get<double>());
    s.y.push_back(row[column].get<double>());
  }
  return s;
}

Chart logps_chart(const json& results) {
  Chart c{"Held-out log-prob change (DPO vs LPO)", "training step", "policy - reference (nats/token)", {}, false};
  const double lr = results["settings"]["main_lr"];
  for (const char* method : {"dpo", "lpo"})
    if (const json* run = find_run(results, method, lr)) {
      const std::string name = method == std::string("dpo") ? "DPO" : "LPO";
      c.series.push_back(curve_series(*run, 1, name + " chosen", false));
      c.series.push_back(curve_series(*run, 2, name + " rejected", true));
    }
  return c;
}

Chart lr_chart(const json& results) {
  Chart c{"Accuracy vs learning rate", "learning rate", "test accuracy (flexible)", {}, true};
  Series dpo{"DPO", {}, {}, false}, lpo{"LPO", {}, {}, false}, sft{"SFT model", {}, {}, true};
  for (const auto& r : results["runs"]) {
    if (r["method"] == "dpo") dpo.x.push_back(r["lr"]), dpo.y.push_back(r["flexible"]);
    if (r["method"] == "lpo" && std::abs(r["r2"].get<double>() - 0.2) < 1e-12)
      lpo.x.push_back(r["lr"]), lpo.y.push_back(r["flexible"]);
  }
  if (!dpo.x.empty()) sft.x = {dpo.x.front(), dpo.x.back()}, sft.y = {results["sft"]["flexible"], results["sft"]["flexible"]};
  c.series = {dpo, lpo, sft};
  return c;
}

Chart r2_chart(const json& results) {
  Chart c{"r2 sweep: rejected log-prob slope", "r2", "rejected slope (nats/token per 100 steps)", {}, false};
  Series s{"LPO (lpo-ste)", {}, {}, false};
  for (const auto& r : results["runs"])
    if (r["name"].get<std::string>().rfind("lpo_r2_", 0) == 0) s.x.push_back(r["r2"]), s.y.push_back(r["rejected_slope_per_100"]);
  c.series = {s};
  return c;
}

std::string run_row(const json& r) {
  return "| " + r["name"].get<std::string>() + " | " + pct(r["strict"]) + " | " + pct(r["flexible"]) + " | " +
         (r.contains("chosen_delta") ? num(r["chosen_delta"]) + " | " + num(r["rejected_delta"]) : "– | –") + " |\n";
}

// Each claim of the paper, checked against this run's numbers (never tuned on the test set).
std::string claims(const json& results) {
  const double lr = results["settings"]["main_lr"];
  const json* dpo = find_run(results, "dpo", lr);
  const json* lpo = find_run(results, "lpo", lr);
  const json* control = find_run(results, "control", lr);
  if (!dpo || !lpo || !control) return "";
  const double s = results["sft"]["flexible"], d = (*dpo)["flexible"], l = (*lpo)["flexible"], c = (*control)["flexible"];
  auto verdict = [](bool holds) { return holds ? "holds" : "does not hold"; };
  std::ostringstream out;
  out << "- LPO above SFT: " << verdict(l > s) << " (" << pct(l) << " vs " << pct(s) << ")\n";
  out << "- LPO above DPO: " << verdict(l > d) << " (" << pct(l) << " vs " << pct(d) << ")\n";
  out << "- LPO above the control (continued SFT on the chosen answers): " << verdict(l > c) << " (" << pct(l)
      << " vs " << pct(c) << ")\n";
  out << "- LPO keeps the chosen log-prob from falling: " << verdict((*lpo)["chosen_delta"].get<double>() >= 0)
      << " (chosen " << num((*lpo)["chosen_delta"]) << " nats/token; DPO " << num((*dpo)["chosen_delta"]) << ")\n";
  return out.str();
}

std::string report_markdown(const json& results) {
  std::ostringstream md;
  md << "# LPO replica: SFT -> sample -> pairs -> DPO / LPO / control\n\n";
  md << "Seed " << results["seed"] << ", " << results["settings"]["test_problems"] << " held-out problems, "
     << results["settings"]["pref_iters"] << " preference steps of " << results["settings"]["global_batch_size"]
     << " pairs. Total " << static_cast<int>(results["seconds"].get<double>()) << " s.\n\n";
  md << "SFT: " << results["sft"]["iterations"] << " iterations (stopped at plateau: "
     << results["sft"]["stopped_at_plateau"] << "). Pairs: " << results["pairs"].dump() << "\n\n";
  md << "| run | strict | flexible | chosen Δ | rejected Δ |\n| --- | --- | --- | --- | --- |\n";
  md << "| sft | " << pct(results["sft"]["strict"]) << " | " << pct(results["sft"]["flexible"]) << " | – | – |\n";
  for (const auto& r : results["runs"]) md << run_row(r);
  md << "\nΔ: held-out policy − reference log-prob at the end of training, nats per token.\n\n";
  md << "## The paper's claims here\n\n" << claims(results) << "\n";
  md << "## r2 sweep (rejected slope, nats/token per 100 steps)\n\n";
  for (const auto& r : results["runs"])
    if (r["name"].get<std::string>().rfind("lpo_r2_", 0) == 0)
      md << "- r2 " << r["r2"] << ": " << num(r["rejected_slope_per_100"]) << "\n";
  md << "\nCharts: charts/logps.svg, charts/lr_sweep.svg, charts/r2_sweep.svg. TensorBoard: `tensorboard --logdir "
        "tensorboard`.\n";
  return md.str();
}

}  // namespace

double slope_per_100(const std::vector<std::array<double, 3>>& curve, int column) {
  const double n = static_cast<double>(curve.size());
  if (curve.size() < 2) return 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& row : curve) {
    sx += row[0], sy += row[column], sxx += row[0] * row[0], sxy += row[0] * row[column];
  }
  const double den = n * sxx - sx * sx;
  return den == 0 ? 0 : 100 * (n * sxy - sx * sy) / den;
}

void write_demo_report(const std::string& dir, const json& results) {
  std::filesystem::create_directories(dir + "/charts");
  write_file_atomic(dir + "/results.json", results.dump(2) + "\n");
  write_file_atomic(dir + "/report.md", report_markdown(results));
  write_file_atomic(dir + "/charts/logps.svg", render_svg(logps_chart(results)));
  write_file_atomic(dir + "/charts/lr_sweep.svg", render_svg(lr_chart(results)));
  write_file_atomic(dir + "/charts/r2_sweep.svg", render_svg(r2_chart(results)));
}

void print_demo_table(const json& results) {
  std::printf("\n%-16s %8s %9s %10s %11s\n", "run", "strict", "flexible", "chosen Δ", "rejected Δ");
  std::printf("%-16s %8s %9s %10s %11s\n", "sft", pct(results["sft"]["strict"]).c_str(),
              pct(results["sft"]["flexible"]).c_str(), "-", "-");
  for (const auto& r : results["runs"])
    std::printf("%-16s %8s %9s %10s %11s\n", r["name"].get<std::string>().c_str(), pct(r["strict"]).c_str(),
                pct(r["flexible"]).c_str(), num(r["chosen_delta"]).c_str(), num(r["rejected_delta"]).c_str());
  std::printf("\n%s", claims(results).c_str());
}

}  // namespace lpo::pipeline
