// Keras++'s resource cap on one buffer's size, and TF's out-of-memory error
// (ResourceExhaustedError) for what would exceed it.
#pragma once
#include <cstddef>
#include <string_view>

#include "keraspp/np/device.h"

namespace np {

// Keras++'s resource cap: the most bytes one buffer may take. Every np
// buffer (arrays, the runtime's pools) is checked against it before anything
// is allocated, so a shape computed at run time or a size read from a file
// fails with ResourceExhaustedError instead of taking the machine's memory.
// Default: $KERASPP_MEMORY_LIMIT (bytes, or with a K/M/G/T suffix: "8G")
// when set, else half of physical memory.
size_t memory_limit();
// Sets the cap (0: back to the default); returns the previous cap. For a
// process that knows its budget, and for tests.
size_t set_memory_limit(size_t bytes);
// TF's ResourceExhaustedError "OOM when allocating tensor with shape[2,3]
// and type float on /device:CPU:0 by allocator cpu_host for 'what' (24 bytes;
// the memory limit is ...)" when an array of `shape` and `dtype` would exceed
// memory_limit(); numpy's ValueError "array is too big; ..." when its byte
// count overflows 64 bits. For code that knows a size before allocating it:
// file readers, to_categorical, kernels' outputs.
void check_allocation(const Shape& shape, DType dtype, std::string_view what);
// The same error for `bytes` already computed (shape and dtype as given).
[[noreturn]] void throw_out_of_memory(const Shape& shape, DType dtype, std::string_view what,
                                      size_t bytes);

}  // namespace np
