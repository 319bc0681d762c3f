// Helpers the plan rewrites share (fuse.cc, fuse_gradient_product.cc).
#pragma once
#include <vector>

#include "plan.h"

namespace tf::runtime {

// The one step reading slot s (as any input), or -1 when none or several.
struct Readers {
  explicit Readers(const Plan& plan)
      : only(static_cast<size_t>(plan.num_slots), -1), count(static_cast<size_t>(plan.num_slots), 0) {
    for (size_t k = 0; k < plan.steps.size(); ++k)
      for (int s : plan.steps[k].in_slots)
        if (s >= 0) {
          ++count[static_cast<size_t>(s)];
          only[static_cast<size_t>(s)] = static_cast<int>(k);
        }
  }
  int sole(int s) const {
    return s >= 0 && count[static_cast<size_t>(s)] == 1 ? only[static_cast<size_t>(s)] : -1;
  }
  std::vector<int> only, count;
};

// The step writing each slot (-1 for feeds and unwritten slots).
inline std::vector<int> producers(const Plan& plan) {
  std::vector<int> producer(static_cast<size_t>(plan.num_slots), -1);
  for (size_t k = 0; k < plan.steps.size(); ++k)
    for (int s : plan.steps[k].out_slots)
      if (s >= 0) producer[static_cast<size_t>(s)] = static_cast<int>(k);
  return producer;
}

// Drops the steps marked removed, keeping the others' order.
inline void erase_removed(Plan& plan, const std::vector<bool>& removed) {
  std::vector<Step> kept;
  kept.reserve(plan.steps.size());
  for (size_t k = 0; k < plan.steps.size(); ++k)
    if (!removed[k]) kept.push_back(std::move(plan.steps[k]));
  plan.steps = std::move(kept);
}

}  // namespace tf::runtime
