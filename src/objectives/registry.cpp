// Loss name -> function, in the order of the seed's --loss-type choices.
#include "objectives/registry.hpp"

#include <utility>

#include "util/error.hpp"

namespace lpo::objectives {
namespace {

const std::vector<std::pair<std::string, LossFunction>>& registry() {
  static const std::vector<std::pair<std::string, LossFunction>> table = {
      {"sigmoid", sigmoid_loss},
      {"dpo", sigmoid_loss},
      {"hinge", hinge_loss},
      {"ipo", ipo_loss},
      {"lpo", lpo_loss},
      {"lpo-r", lpo_r_loss},
      {"lpo-ste", lpo_ste_loss},
      {"lpo-ste-dynamic", lpo_ste_dynamic_loss},
      {"kto_pair", kto_pair_loss},
  };
  return table;
}

}  // namespace

LossFunction find_loss(const std::string& name) {
  for (const auto& [key, function] : registry())
    if (key == name) return function;
  std::string valid;
  for (const auto& key : loss_type_names()) valid += (valid.empty() ? "" : ", ") + key;
  fail("unknown loss type '", name, "'; valid types: ", valid);
}

std::vector<std::string> loss_type_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

}  // namespace lpo::objectives
