// Helpers for the model tests: golden files and small tensors.
#pragma once
#include <ATen/ATen.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace lpo::test {

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

/// ids -> [1, T] int64 tensor.
inline at::Tensor row(const std::vector<int64_t>& ids) {
  return at::tensor(ids, at::kLong).unsqueeze(0);
}

/// Summed log-probability (nats, float64) of ids[1:] given their prefixes, from logits [T, V].
inline double sum_logprob(const at::Tensor& logits, const std::vector<int64_t>& ids) {
  at::Tensor logp = at::log_softmax(logits.to(at::kDouble), -1);
  double sum = 0;
  for (size_t i = 1; i < ids.size(); ++i) sum += logp[i - 1][ids[i]].item<double>();
  return sum;
}

/// The integers of a whitespace-separated text file (e.g. GREEDY.txt).
inline std::vector<int64_t> read_ids(const std::string& path) {
  std::ifstream in(path);
  std::vector<int64_t> ids;
  for (int64_t v; in >> v;) ids.push_back(v);
  return ids;
}

/// |a - b| <= rel * |b| + abs, elementwise (golden numbers are rounded to 5 decimals).
inline bool close(const at::Tensor& a, const at::Tensor& b, double rel = 1e-4, double abs = 1e-5) {
  at::Tensor x = a.to(at::kDouble), y = b.to(at::kDouble);
  return ((x - y).abs() <= y.abs() * rel + abs).all().item<bool>();
}

}  // namespace lpo::test
