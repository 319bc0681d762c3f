// Rearranging ops: tf.stack / tf.unstack (ops "Pack" / "Unpack"), tf.tile,
// tf.squeeze, tf.reverse ("ReverseV2"), tf.reverse_sequence and tf.slice.
#pragma once
#include <vector>

#include "keraspp/ops/builder.h"

namespace tf {

// values: N tensors of one shape s -> rank(s)+1, stacked along `axis`.
Tensor stack(const std::vector<Tensor>& values, int axis = 0, const std::string& name = "stack");
// value: rank r with a known dimension at `axis` -> that many tensors of rank
// r-1 (ValueError "Cannot infer num from shape ..." when unknown and num < 0).
std::vector<Tensor> unstack(const Tensor& value, int num = -1, int axis = 0,
                            const std::string& name = "unstack");
// input: rank r, multiples: r ints -> input repeated multiples[i] times along axis i.
Tensor tile(const Tensor& input, const std::vector<int64_t>& multiples, const std::string& name = "");
Tensor tile(const Tensor& input, const Tensor& multiples, const std::string& name = "");
// Removes the size-1 axes `axis` (all size-1 axes when empty).
Tensor squeeze(const Tensor& input, const std::vector<int>& axis = {}, const std::string& name = "");
// Reverses the order along each of `axis`.
Tensor reverse(const Tensor& tensor, const std::vector<int>& axis, const std::string& name = "");
// Reverses the first seq_lengths[b] entries along seq_axis of each batch
// entry b (along batch_axis); the rest stays. seq_lengths: 1-d int of the
// batch size, each in [0, input.shape[seq_axis]].
Tensor reverse_sequence(const Tensor& input, const TensorLike& seq_lengths, int seq_axis, int batch_axis = 0,
                        const std::string& name = "");
// input[begin[i] : begin[i] + size[i]] on each axis (size -1: to the end).
Tensor slice(const Tensor& input, const std::vector<int64_t>& begin, const std::vector<int64_t>& size,
             const std::string& name = "");
Tensor slice(const Tensor& input, const Tensor& begin, const Tensor& size, const std::string& name = "");

}  // namespace tf
