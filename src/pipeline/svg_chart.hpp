// Line charts as standalone SVG files, for the demo's report (no plotting library in C++
// that Debian ships would be lighter than these ~100 lines).
#pragma once
#include <string>
#include <vector>

namespace lpo::pipeline {

struct Series {
  std::string label;
  std::vector<double> x, y;  // same length; points joined in order
  bool dashed = false;
};

struct Chart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool log_x = false;  // x axis in log10 (e.g. learning rates)
};

/// SVG text of `chart` (640×400, axes with 5 ticks each, legend). Non-finite points are
/// skipped. Throws lpo::Error when a series' x and y lengths differ.
std::string render_svg(const Chart& chart);

}  // namespace lpo::pipeline
