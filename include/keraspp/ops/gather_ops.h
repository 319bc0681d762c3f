// Gathering and scattering rows: tf.gather (ops "Gather"/"GatherV2"),
// tf.nn.embedding_lookup, tf.unsorted_segment_sum, tf.one_hot, and
// tf.sequence_mask.
#pragma once
#include "keraspp/ops/builder.h"

namespace tf {

// params: [d0, ..., dn], indices: int32/int64 of any shape ->
// params[:axis] + indices.shape + params[axis+1:], the rows of params that
// indices name along `axis`. Out-of-range indices raise InvalidArgumentError
// at run time ("indices[3] = 12 is not in [0, 10)"). The gradient to params
// is TF's IndexedSlices made dense by an UnsortedSegmentSum (see
// indexed_slices below).
Tensor gather(const Tensor& params, const TensorLike& indices, int axis = 0,
              const std::string& name = "");
// data: segment_ids.shape + inner, segment_ids in [0, num_segments) ->
// [num_segments] + inner, each row the sum of the data rows naming it.
Tensor unsorted_segment_sum(const Tensor& data, const TensorLike& segment_ids, int64_t num_segments,
                            const std::string& name = "");
Tensor unsorted_segment_sum(const Tensor& data, const TensorLike& segment_ids,
                            const Tensor& num_segments, const std::string& name = "");
// indices: int32/int64/uint8 -> indices.shape with `depth` inserted at `axis`
// (-1: last); on_value where indices == position, else off_value.
Tensor one_hot(const TensorLike& indices, int64_t depth, double on_value = 1.0,
               double off_value = 0.0, int axis = -1, DType dtype = float32,
               const std::string& name = "");
// lengths: int of shape s -> s + [maxlen] of `dtype`, out[..., j] = j < lengths[...].
Tensor sequence_mask(const TensorLike& lengths, int64_t maxlen, DType dtype = bool_,
                     const std::string& name = "");

// TF's tf.IndexedSlices: a gradient that is nonzero only in the rows
// `indices` of a [dense_shape[0], ...] tensor (values: indices.shape + row shape).
// Here the gradient flowing to a gathered tensor is the dense
// UnsortedSegmentSum of these; indexed_slices() recovers them from it, so an
// optimizer applies a sparse update touching only those rows (TF's
// _apply_sparse), and any other consumer reads the dense tensor (TF's
// conversion of IndexedSlices to a Tensor).
struct IndexedSlices {
  Tensor values, indices, dense_shape;
};
// The slices a gradient is made of, when it is a gather's gradient (an
// UnsortedSegmentSum of [rows] + inner values into a tensor of rows of inner).
std::optional<IndexedSlices> indexed_slices(const Tensor& gradient);

namespace nn {
// params: [vocab, ...], ids: int -> ids.shape + params.shape[1:] (a gather on
// axis 0, TF's single-shard "mod" strategy).
Tensor embedding_lookup(const Tensor& params, const TensorLike& ids, const std::string& name = "");
}  // namespace nn

}  // namespace tf
