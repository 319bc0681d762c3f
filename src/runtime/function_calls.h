// The nested plans of one control-flow step (If, While), run for the
// step's kernel in execution states owned by the enclosing run's state:
// a loop's iterations, and later runs, reuse their buffers, and concurrent
// runs never share them. Internal to the runtime.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "plan.h"

namespace tf::runtime {

class FunctionCalls final : public kernels::FunctionRunner {
 public:
  explicit FunctionCalls(const Step& step);
  ~FunctionCalls() override;
  void call(int f, const std::vector<const np::Array*>& args, std::vector<np::Array>& results,
            std::vector<bool>& pooled, const std::string& context,
            std::vector<np::Array>* donated = nullptr) override;

 private:
  const Step& step_;
  std::vector<std::unique_ptr<ExecState>> states_;  // one per function, made on first call
};

}  // namespace tf::runtime
