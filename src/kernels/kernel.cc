// Kernel registry, buffer pool and KernelContext output allocation.
#include "keraspp/kernels/kernel.h"

namespace tf::kernels {

std::shared_ptr<np::Storage> BufferPool::acquire(size_t bytes) {
  // Best fit among free buffers, not wasting more than half of one.
  std::shared_ptr<np::Storage>* best = nullptr;
  for (auto& e : entries_) {
    if (e.use_count() != 1 || e->bytes() < bytes || e->bytes() > 2 * bytes + 4096) continue;
    if (!best || e->bytes() < (*best)->bytes()) best = &e;
  }
  if (best) return *best;
  entries_.push_back(std::make_shared<np::Storage>(bytes));
  return entries_.back();
}

size_t BufferPool::bytes() const {
  size_t n = 0;
  for (const auto& e : entries_) n += e->bytes();
  return n;
}

np::Array& KernelContext::allocate_output(int i, const np::Shape& shape, DType dtype) {
  const size_t bytes = static_cast<size_t>(np::shape_size(shape)) * np::itemsize(dtype);
  auto& slot = outputs.at(static_cast<size_t>(i));
  slot = np::Array(pool_ ? pool_->acquire(bytes) : std::make_shared<np::Storage>(bytes), 0, shape,
                   dtype);
  output_pooled.at(static_cast<size_t>(i)) = pool_ != nullptr;
  return slot;
}

np::Array& KernelContext::forward_input_or_allocate(int in, int out, const np::Shape& shape,
                                                    DType dtype) {
  const auto idx = static_cast<size_t>(in);
  if (idx < forwardable.size() && forwardable[idx]) {
    const np::Array& src = *inputs[idx];
    if (src.dtype() == dtype && src.size() == np::shape_size(shape)) {
      auto& slot = outputs.at(static_cast<size_t>(out));
      slot = np::Array(src.storage(), src.byte_offset(), shape, dtype);
      output_pooled.at(static_cast<size_t>(out)) = true;
      return slot;
    }
  }
  return allocate_output(out, shape, dtype);
}

void KernelContext::forward_input(int in, int out) {
  forward_input(in, out, inputs.at(static_cast<size_t>(in))->shape());
}

void KernelContext::forward_input(int in, int out, const np::Shape& shape) {
  const auto idx = static_cast<size_t>(in);
  outputs.at(static_cast<size_t>(out)) = inputs.at(idx)->reshape(shape);
  output_pooled.at(static_cast<size_t>(out)) = idx < forwardable.size() && forwardable[idx];
}

void KernelContext::set_output(int i, np::Array a) {
  outputs.at(static_cast<size_t>(i)) = std::move(a);
  output_pooled.at(static_cast<size_t>(i)) = false;
}

KernelRegistry& KernelRegistry::global() {
  static KernelRegistry r;
  return r;
}

void KernelRegistry::add(const std::string& op, const std::string& device,
                         std::optional<DType> dtype, KernelFn fn) {
  const int key = dtype ? static_cast<int>(*dtype) : -1;
  fns_[{op, device, key}] = std::move(fn);
}

const KernelFn* KernelRegistry::find(const std::string& op, const std::string& device,
                                     DType dtype) const {
  auto it = fns_.find({op, device, static_cast<int>(dtype)});
  if (it != fns_.end()) return &it->second;
  it = fns_.find({op, device, -1});
  return it == fns_.end() ? nullptr : &it->second;
}

bool KernelRegistry::has_any(const std::string& op) const {
  auto it = fns_.lower_bound({op, "", -2});
  return it != fns_.end() && std::get<0>(it->first) == op;
}



DType kernel_dtype(const Node& node, const std::vector<DType>& input_dtypes) {
  if (!node.out_dtypes.empty()) return node.out_dtypes[0];
  return input_dtypes.empty() ? float32 : input_dtypes[0];
}

}  // namespace tf::kernels
