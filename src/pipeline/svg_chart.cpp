#include "pipeline/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "util/error.hpp"

namespace lpo::pipeline {
namespace {

constexpr double kW = 640, kH = 400, kLeft = 70, kRight = 170, kTop = 40, kBottom = 55;
const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return out;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  void pad() {
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
  }
};

}  // namespace

std::string render_svg(const Chart& chart) {
  auto tx = [&](double x) { return chart.log_x ? std::log10(x) : x; };
  Range xr, yr;
  for (const auto& s : chart.series) {
    check(s.x.size() == s.y.size(), "chart '", chart.title, "': series '", s.label, "' has ", s.x.size(), " x and ",
          s.y.size(), " y values");
    for (size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i]) && std::isfinite(tx(s.x[i]))) xr.add(tx(s.x[i])), yr.add(s.y[i]);
  }
  xr.pad();
  yr.pad();
  const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (tx(x) - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto py = [&](double y) { return kTop + (1 - (y - yr.lo) / (yr.hi - yr.lo)) * ph; };
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kW) + "\" height=\"" + num(kH) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + num(kW / 2 - 60) + "\" y=\"22\" font-size=\"15\">" + escape(chart.title) + "</text>\n";
  svg += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) +
         "\" fill=\"none\" stroke=\"#333\"/>\n";
  for (int k = 0; k <= 4; ++k) {
    const double xv = xr.lo + (xr.hi - xr.lo) * k / 4, yv = yr.lo + (yr.hi - yr.lo) * k / 4;
    const double xs = kLeft + pw * k / 4, ys = kTop + ph * (1 - k / 4.0);
    svg += "<text x=\"" + num(xs - 14) + "\" y=\"" + num(kTop + ph + 18) + "\">" +
           num(chart.log_x ? std::pow(10, xv) : xv) + "</text>\n";
    svg += "<text x=\"" + num(8) + "\" y=\"" + num(ys + 4) + "\">" + num(yv) + "</text>\n";
    svg += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + pw) + "\" y1=\"" + num(ys) + "\" y2=\"" + num(ys) +
           "\" stroke=\"#ddd\"/>\n";
  }
  svg += "<text x=\"" + num(kLeft + pw / 2 - 40) + "\" y=\"" + num(kH - 12) + "\">" + escape(chart.x_label) + "</text>\n";
  svg += "<text transform=\"translate(14," + num(kTop + ph / 2 + 40) + ") rotate(-90)\">" + escape(chart.y_label) +
         "</text>\n";
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const Series& series = chart.series[s];
    const std::string color = kColors[s % 8];
    std::string points;
    for (size_t i = 0; i < series.x.size(); ++i)
      if (std::isfinite(series.y[i]) && std::isfinite(tx(series.x[i])))
        points += num(px(series.x[i])) + "," + num(py(series.y[i])) + " ";
    svg += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\"" +
           (series.dashed ? " stroke-dasharray=\"6,4\"" : "") + " points=\"" + points + "\"/>\n";
    const double ly = kTop + 14 + 18 * static_cast<double>(s);
    svg += "<line x1=\"" + num(kW - kRight + 12) + "\" x2=\"" + num(kW - kRight + 36) + "\" y1=\"" + num(ly - 4) +
           "\" y2=\"" + num(ly - 4) + "\" stroke=\"" + color + "\" stroke-width=\"2\"" +
           (series.dashed ? " stroke-dasharray=\"6,4\"" : "") + "/>\n";
    svg += "<text x=\"" + num(kW - kRight + 42) + "\" y=\"" + num(ly) + "\">" + escape(series.label) + "</text>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace lpo::pipeline
