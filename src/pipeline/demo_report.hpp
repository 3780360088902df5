// The demo's outputs: results.json, report.md, SVG charts, and the console table.
#pragma once
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpo::pipeline {

/// Least-squares slope of column `column` of (step, chosen, rejected) rows against the step,
/// times 100 (nats per token per 100 steps). 0 with fewer than two rows.
double slope_per_100(const std::vector<std::array<double, 3>>& curve, int column);

/// Writes results.json, report.md and charts/{logps,lr_sweep,r2_sweep}.svg under `dir`.
void write_demo_report(const std::string& dir, const nlohmann::json& results);

/// The results table on stdout.
void print_demo_table(const nlohmann::json& results);

}  // namespace lpo::pipeline
