// Kernel registry, buffer pool, session state and KernelContext output
// allocation.
#include "kernels/kernel.h"

#include "keraspp/np/memory_limit.h"

namespace tf::kernels {

std::shared_ptr<np::Storage> BufferPool::acquire(size_t bytes) {
  // Best fit among free buffers, not wasting more than half of one.
  std::shared_ptr<np::Storage>* best = nullptr;
  for (auto& e : entries_) {
    if (e.use_count() != 1 || e->bytes() < bytes || e->bytes() > 2 * bytes + 4096) continue;
    if (!best || e->bytes() < (*best)->bytes()) best = &e;
  }
  if (best) return *best;
  entries_.push_back(std::make_shared<np::Storage>(bytes, *allocator_));
  return entries_.back();
}

size_t BufferPool::bytes() const {
  size_t n = 0;
  for (const auto& e : entries_) n += e->bytes();
  return n;
}

VariableStore::Value VariableStore::get(int id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(id);
  return it == values_.end() ? nullptr : it->second;
}

bool VariableStore::contains(int id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return values_.count(id) > 0;
}

VariableStore::Value VariableStore::set(int id, np::Array value) {
  auto v = std::make_shared<const np::Array>(std::move(value));
  std::lock_guard<std::mutex> lock(mu_);
  values_[id] = v;
  return v;
}

void VariableStore::clear() {
  std::map<int, Value> old;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  old.swap(values_);
}

size_t VariableStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return values_.size();
}

uint64_t SessionState::reserve_random_blocks(int node, uint64_t blocks) {
  std::lock_guard<std::mutex> lock(random_mu_);
  uint64_t& next = random_counters_[node];
  const uint64_t base = next;
  next += blocks;
  return base;
}

const np::Array* KernelContext::variable(int id) {
  VariableStore::Value v = state_->variables.get(id);
  if (!v) return nullptr;
  held_.push_back(std::move(v));
  return held_.back().get();
}

const np::Array& KernelContext::set_variable(int id, np::Array value) {
  held_.push_back(state_->variables.set(id, std::move(value)));
  return *held_.back();
}

np::Array& KernelContext::allocate_output(int i, const np::Shape& shape, DType dtype,
                                          std::shared_ptr<const np::Layout> layout) {
  const size_t bytes = layout->bytes(shape, dtype);
  if (bytes > np::memory_limit()) np::throw_out_of_memory(shape, dtype, op_name(), bytes);
  auto& slot = outputs.at(static_cast<size_t>(i));
  slot = np::Array(pool_ ? pool_->acquire(bytes) : std::make_shared<np::Storage>(bytes), 0, shape,
                   dtype, std::move(layout));
  output_pooled.at(static_cast<size_t>(i)) = pool_ != nullptr;
  return slot;
}

namespace {

// The bytes of a `shape` x `dtype` output, checked before anything is
// allocated: negative dims and byte counts past 2^63 (which would wrap to a
// small buffer the kernel then overruns) are InvalidArgument naming the op.
size_t output_bytes(const std::string& op, const np::Shape& shape, DType dtype) {
  int64_t bytes = static_cast<int64_t>(np::itemsize(dtype));
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0)
      throw errors::InvalidArgumentError("Dimension " + std::to_string(d) + " must be >= 0 in shape " +
                                         np::shape_str(shape) + " for '" + op + "'");
    if (d == 0) empty = true;
    else if (__builtin_mul_overflow(bytes, d, &bytes))
      throw errors::InvalidArgumentError("Encountered overflow computing the size of shape " +
                                         np::shape_str(shape) + " for '" + op + "'");
  }
  return empty ? 0 : static_cast<size_t>(bytes);
}

}  // namespace

np::Array& KernelContext::allocate_output(int i, const np::Shape& shape, DType dtype) {
  const size_t bytes = output_bytes(op_name(), shape, dtype);
  // The resource cap, checked here so the error names the op and the shape.
  if (bytes > np::memory_limit()) np::throw_out_of_memory(shape, dtype, op_name(), bytes);
  auto& slot = outputs.at(static_cast<size_t>(i));
  try {
    slot = np::Array(pool_ ? pool_->acquire(bytes) : std::make_shared<np::Storage>(bytes), 0,
                     shape, dtype);
  } catch (const errors::ResourceExhaustedError&) {
    np::throw_out_of_memory(shape, dtype, op_name(), bytes);
  }
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

void KernelContext::set_output(int i, np::Array a, bool pooled) {
  outputs.at(static_cast<size_t>(i)) = std::move(a);
  output_pooled.at(static_cast<size_t>(i)) = pooled;
}

KernelRegistry& KernelRegistry::global() {
  static KernelRegistry r;
  return r;
}

void KernelRegistry::add(const std::string& op, const std::string& device,
                         std::optional<DType> dtype, KernelFn fn) {
  add(op, np::parse_device(device), dtype, std::move(fn));
}

void KernelRegistry::add(const std::string& op, np::Device device, std::optional<DType> dtype,
                         KernelFn fn) {
  const int key = dtype ? static_cast<int>(*dtype) : -1;
  fns_[{op, static_cast<int>(device.type), key}] = std::move(fn);
}

const KernelFn* KernelRegistry::find(const std::string& op, np::Device device, DType dtype) const {
  const int dev = static_cast<int>(device.type);
  auto it = fns_.find({op, dev, static_cast<int>(dtype)});
  if (it != fns_.end()) return &it->second;
  it = fns_.find({op, dev, -1});
  return it == fns_.end() ? nullptr : &it->second;
}

bool KernelRegistry::has_any(const std::string& op) const {
  auto it = fns_.lower_bound({op, -1, -2});
  return it != fns_.end() && std::get<0>(it->first) == op;
}

void KernelRegistry::accept_opaque_layouts(const std::string& op, np::Device device) {
  opaque_layouts_[{op, static_cast<int>(device.type)}] = true;
}

bool KernelRegistry::accepts_opaque_layouts(const std::string& op, np::Device device) const {
  return opaque_layouts_.count({op, static_cast<int>(device.type)}) > 0;
}


DType kernel_dtype(const Node& node, const std::vector<DType>& input_dtypes) {
  if (!node.out_dtypes.empty()) return node.out_dtypes[0];
  return input_dtypes.empty() ? float32 : input_dtypes[0];
}

}  // namespace tf::kernels
