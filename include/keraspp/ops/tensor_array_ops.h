// tf.TensorArray (r1.1's read/write/stack/unstack/gather/scatter/size), and
// tf.map_fn / tf.scan on tf::while_loop. A TensorArray here is a value: its
// elements live stacked in one tensor [size, element shape...] (`stack()`),
// and write/scatter return a new TensorArray, as r1.1's do (TF threads a
// flow tensor through them for the same reason). Inside a while_loop it is
// passed as that tensor (`flow()`, `TensorArray::from_flow`). Gradients
// flow through every method (a write's is a read of the gradient's row).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keraspp/ops/builder.h"
#include "keraspp/ops/control_flow_ops.h"

namespace tf {

class TensorArray {
 public:
  // `size` elements of `dtype`; with element_shape fully defined its
  // storage (zeros) exists at once, else it is made by the first unstack,
  // or by a write of a value of a fully defined shape.
  TensorArray(DType dtype, const TensorLike& size, const std::optional<TensorShape>& element_shape = std::nullopt,
              const std::string& tensor_array_name = "TensorArray");
  // The TensorArray whose elements are the rows of `flow`.
  static TensorArray from_flow(const Tensor& flow);

  DType dtype() const { return dtype_; }
  // The stacked elements [size, ...]; ValueError before any element shape is known.
  const Tensor& flow() const;
  Tensor size(const std::string& name = "") const;
  // Element `index` (an int32 scalar); InvalidArgumentError at run time past the size.
  Tensor read(const TensorLike& index, const std::string& name = "") const;
  // A TensorArray with element `index` replaced by `value` (op "TensorArrayWrite").
  TensorArray write(const TensorLike& index, const Tensor& value, const std::string& name = "") const;
  Tensor stack(const std::string& name = "") const;
  // value's rows as the elements.
  TensorArray unstack(const Tensor& value, const std::string& name = "") const;
  Tensor gather(const TensorLike& indices, const std::string& name = "") const;
  // Rows of `value` written to the elements `indices` (distinct) names.
  TensorArray scatter(const TensorLike& indices, const Tensor& value, const std::string& name = "") const;

 private:
  TensorArray(DType dtype, Tensor size, Tensor flow) : dtype_(dtype), size_(std::move(size)), flow_(std::move(flow)) {}
  DType dtype_;
  Tensor size_;  // int32 scalar
  Tensor flow_;  // empty until an element shape is known
};

// tf.map_fn(fn, elems): fn applied to each row of elems, results stacked.
// fn must give rows of one shape; elems must have at least one row (fn's
// first row is computed before the loop to size the result).
Tensor map_fn(const std::function<Tensor(const Tensor&)>& fn, const Tensor& elems,
              const WhileLoopOptions& options = {.name = "map"});
// tf.scan(fn, elems, initializer): a = fn(a, row) for each row, each a stacked.
// Without initializer a starts as elems[0] and the scan from row 1 (TF's).
Tensor scan(const std::function<Tensor(const Tensor&, const Tensor&)>& fn, const Tensor& elems,
            const std::optional<Tensor>& initializer = std::nullopt, const WhileLoopOptions& options = {.name = "scan"});

}  // namespace tf
