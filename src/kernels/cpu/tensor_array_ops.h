// TensorArrayWrite's accounting: the bytes it copied to make a new flow
// (when it could not take its input's buffer over), summed over all runs
// in the process. Tests read it to check that a loop's writes are in place.
#pragma once
#include <cstdint>

namespace tf::kernels {

uint64_t tensor_array_write_bytes_copied();

}  // namespace tf::kernels
