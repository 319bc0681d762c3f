// TensorArrayWrite: the flow with one row replaced, written in place when
// the runtime lets the kernel take the flow's buffer over.
#include "tensor_array_ops.h"

#include <atomic>
#include <cstring>

#include "kernels/kernel.h"

namespace tf::kernels {

namespace {

std::atomic<uint64_t> g_bytes_copied{0};

void tensor_array_write(KernelContext& ctx) {
  const np::Array& flow = ctx.input(0);
  const np::Array& index = ctx.input(1);
  const np::Array& value = ctx.input(2);
  const int64_t size = flow.ndim() ? flow.shape()[0] : 0;
  const auto i = static_cast<int64_t>(index.get_flat(0));
  if (i < 0 || i >= size)
    throw errors::InvalidArgumentError("TensorArray " + ctx.op_name() + ": Tried to write to index " +
                                       std::to_string(i) + " but array is not resizeable and size is: " +
                                       std::to_string(size));
  const np::Shape row(flow.shape().begin() + 1, flow.shape().end());
  if (value.shape() != row)
    throw errors::InvalidArgumentError("Could not write to TensorArray index " + std::to_string(i) +
                                       " because the value shape is " + np::shape_str(value.shape()) +
                                       " which is incompatible with the TensorArray's inferred element shape: " +
                                       np::shape_str(row) + " (" + ctx.op_name() + ")");
  np::Array& out = ctx.forward_input_or_allocate(0, 0, flow.shape(), flow.dtype());
  if (out.raw_data() != flow.raw_data()) {
    std::memcpy(out.raw_data(), flow.raw_data(), flow.nbytes());
    g_bytes_copied.fetch_add(flow.nbytes(), std::memory_order_relaxed);
  }
  std::memcpy(static_cast<char*>(out.raw_data()) + static_cast<size_t>(i) * value.nbytes(), value.raw_data(),
              value.nbytes());
}

}  // namespace

KPP_REGISTER_KERNEL("TensorArrayWrite", "CPU", std::nullopt, tensor_array_write);

uint64_t tensor_array_write_bytes_copied() { return g_bytes_copied.load(std::memory_order_relaxed); }

}  // namespace tf::kernels
