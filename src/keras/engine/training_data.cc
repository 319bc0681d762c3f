// Checking and normalising the arrays given to fit/evaluate/predict (Keras
// 2.0.2's _standardize_input_data, _standardize_weights, _check_array_lengths,
// _check_loss_and_target_compatibility), and gathering batch rows into the
// preallocated feed buffers.
#include <cstring>

#include "keraspp/keras/backend.h"
#include "training_state.h"

namespace keras::engine {

namespace {

using keraspp::ValueError;

// numpy's str of a shape tuple: (60000, 28).
std::string shape_str(const np::Array& a) { return np::shape_str(a.shape()); }

std::string shapes_str(const std::vector<np::Array>& arrays) {
  std::string s = "[";
  for (size_t i = 0; i < arrays.size(); ++i) s += (i ? ", " : "") + shape_str(arrays[i]);
  return s + "]";
}

np::Array expand_1d(const np::Array& a) {
  return a.ndim() == 1 ? a.reshape({a.shape(0), 1}) : a;
}

// Keras's _standardize_weights for one output.
np::Array standardize_weights(const np::Array& y, const np::Array* sample_weight,
                              const std::map<int64_t, double>& class_weight,
                              const std::string& mode) {
  if (!mode.empty()) {
    if (y.ndim() < 3)
      throw ValueError("Found a sample_weight array for an input with shape " + shape_str(y) +
                       ". Timestep-wise sample weighting (use of sample_weight_mode=\"temporal\") "
                       "is restricted to outputs that are at least 3D, i.e. that have a time "
                       "dimension.");
    if (sample_weight && sample_weight->ndim() != 2)
      throw ValueError("Found a sample_weight array with shape " + shape_str(*sample_weight) +
                       ". In order to use timestep-wise sample weighting, you should pass a 2D "
                       "sample_weight array.");
  } else if (sample_weight && sample_weight->ndim() != 1) {
    throw ValueError("Found a sample_weight array with shape " + shape_str(*sample_weight) +
                     ". In order to use timestep-wise sample weights, you should specify "
                     "sample_weight_mode=\"temporal\" in compile(). If you just mean to use "
                     "sample-wise weights, make sure your sample_weight array is 1D.");
  }
  if (sample_weight) {
    const np::Array& w = *sample_weight;
    for (int d = 0; d < w.ndim(); ++d)
      if (d >= y.ndim() || y.shape(d) != w.shape(d))
        throw ValueError("Found a sample_weight array with shape " + shape_str(w) +
                         " for an input with shape " + shape_str(y) +
                         ". sample_weight cannot be broadcast.");
    return w.astype(np::float32);
  }
  if (!class_weight.empty()) {
    if (y.ndim() > 2) throw ValueError("class_weight not supported for 3+ dimensional targets.");
    const int64_t n = y.shape(0);
    np::Array classes = y.shape(1) > 1 ? np::argmax(y, 1) : y.reshape({n});
    np::Array w = np::Array::empty({n}, np::float32);
    for (int64_t i = 0; i < n; ++i) {
      const auto cls = static_cast<int64_t>(classes.get_flat(i));
      auto it = class_weight.find(cls);
      if (it == class_weight.end())
        throw keraspp::LookupError("class_weight has no entry for class " + std::to_string(cls));
      w.set_flat(i, it->second);
    }
    return w;
  }
  if (mode.empty()) return np::ones({y.shape(0)}, np::float32);
  return np::ones({y.shape(0), y.shape(1)}, np::float32);
}

}  // namespace

std::vector<np::Array> standardize_input_data(const ArrayList& data,
                                              const std::vector<std::string>& names,
                                              const std::vector<tf::TensorShape>& shapes,
                                              const std::string& exception_prefix) {
  if (data.size() != names.size()) {
    if (names.empty())
      throw ValueError("Error when checking model " + exception_prefix +
                       ": expected no data, but got: " + shapes_str(data.arrays()));
    throw ValueError("Error when checking model " + exception_prefix +
                     ": the list of Numpy arrays that you are passing to your model is not the "
                     "size the model expected. Expected to see " + std::to_string(names.size()) +
                     " arrays but instead got the following list of " +
                     std::to_string(data.size()) + " arrays: " + shapes_str(data.arrays()));
  }
  std::vector<np::Array> arrays;
  for (size_t i = 0; i < data.size(); ++i) {
    np::Array a = expand_1d(data[i]);
    arrays.push_back(a);
    if (i >= shapes.size() || !shapes[i].has_rank()) continue;
    const tf::TensorShape& ref = shapes[i];
    if (a.ndim() != ref.rank())
      throw ValueError("Error when checking " + exception_prefix + ": expected " + names[i] +
                       " to have " + std::to_string(ref.rank()) +
                       " dimensions, but got array with shape " + shape_str(a));
    // The batch axis is never checked (Keras's check_batch_axis=False).
    for (int d = 1; d < ref.rank(); ++d)
      if (ref.dim(d) >= 0 && ref.dim(d) != a.shape(d))
        throw ValueError("Error when checking " + exception_prefix + ": expected " + names[i] +
                         " to have shape " + ref.keras_str() + " but got array with shape " +
                         shape_str(a));
  }
  return arrays;
}

UserData standardize_user_data(const TrainingState& s, const ArrayList& x, const ArrayList& y,
                               const ArrayList& sample_weight,
                               const std::map<int64_t, double>& class_weight) {
  UserData d;
  d.x = standardize_input_data(x, s.input_names, s.input_shapes, "input");
  // Targets: one per output with a loss; sparse losses take (n, 1) class ids;
  // user loss functions leave the shape unchecked.
  std::vector<std::string> names;
  std::vector<tf::TensorShape> shapes;
  for (size_t k = 0; k < s.feed_outputs.size(); ++k) {
    const auto i = static_cast<size_t>(s.feed_outputs[k]);
    names.push_back(s.output_names[i]);
    const losses::Loss& fn = s.loss_functions[i];
    tf::TensorShape shape = s.output_shapes[i];
    if (fn.builtin() == &losses::sparse_categorical_crossentropy && shape.has_rank()) {
      std::vector<int64_t> dims = shape.dims();
      dims.back() = 1;
      shape = tf::TensorShape(dims);
    } else if (!fn.builtin()) {
      shape = tf::TensorShape::unknown();
    }
    shapes.push_back(shape);
  }
  d.y = standardize_input_data(y, names, shapes, "target");

  if (!sample_weight.empty() && sample_weight.size() != d.y.size())
    throw ValueError("Provided `sample_weight` was a list of " + std::to_string(sample_weight.size()) +
                     " elements, but the model has " + std::to_string(d.y.size()) +
                     " outputs. You should provide one `sample_weight`array per model output.");
  for (size_t k = 0; k < d.y.size(); ++k)
    d.sample_weights.push_back(standardize_weights(
        d.y[k], sample_weight.empty() ? nullptr : &sample_weight[k], class_weight,
        s.sample_weight_mode));

  // _check_array_lengths
  auto lengths = [](const std::vector<np::Array>& v) {
    std::vector<int64_t> l;
    for (const auto& a : v) l.push_back(a.ndim() ? a.shape(0) : 1);
    return l;
  };
  auto all_equal = [](const std::vector<int64_t>& l) {
    for (auto v : l)
      if (v != l.front()) return false;
    return true;
  };
  const auto lx = lengths(d.x), ly = lengths(d.y), lw = lengths(d.sample_weights);
  if (!all_equal(lx))
    throw ValueError("All input arrays (x) should have the same number of samples. Got array shapes: " +
                     shapes_str(d.x));
  if (!all_equal(ly))
    throw ValueError("All target arrays (y) should have the same number of samples. Got array shapes: " +
                     shapes_str(d.y));
  if (!lx.empty() && !ly.empty() && lx[0] != ly[0])
    throw ValueError("Input arrays should have the same number of samples as target arrays. Found " +
                     std::to_string(lx[0]) + " input samples and " + std::to_string(ly[0]) +
                     " target samples.");
  if (!all_equal(lw))
    throw ValueError("All sample_weight arrays should have the same number of samples. Got array shapes: " +
                     shapes_str(d.sample_weights));
  if (!ly.empty() && !lw.empty() && ly[0] != lw[0])
    throw ValueError("Sample_weight arrays should have the same number of samples as target arrays. Got " +
                     std::to_string(ly[0]) + " input samples and " + std::to_string(lw[0]) +
                     " target samples.");

  // _check_loss_and_target_compatibility
  for (size_t k = 0; k < d.y.size(); ++k) {
    const auto i = static_cast<size_t>(s.feed_outputs[k]);
    const losses::LossFunctionPtr fn = s.loss_functions[i].builtin();
    const np::Array& t = d.y[k];
    if (fn == &losses::categorical_crossentropy && t.shape(-1) == 1)
      throw ValueError(
          "You are passing a target array of shape " + shape_str(t) +
          " while using as loss `categorical_crossentropy`. `categorical_crossentropy` expects "
          "targets to be binary matrices (1s and 0s) of shape (samples, classes). If your targets "
          "are integer classes, you can convert them to the expected format via:\n```\nfrom "
          "keras.utils.np_utils import to_categorical\ny_binary = to_categorical(y_int)\n```\n\n"
          "Alternatively, you can use the loss function `sparse_categorical_crossentropy` instead, "
          "which does expect integer targets.");
    if (fn == &losses::binary_crossentropy || fn == &losses::categorical_crossentropy) {
      const tf::TensorShape& out = s.output_shapes[i];
      for (int dd = 1; dd < t.ndim() && dd < out.rank(); ++dd)
        if (out.dim(dd) >= 0 && t.shape(dd) != out.dim(dd))
          throw ValueError("A target array with shape " + shape_str(t) +
                           " was passed for an output of shape " + out.keras_str() +
                           " while using as loss `" + losses::name_of(fn) +
                           "`. This loss expects targets to have the same shape as the output.");
    }
  }
  return d;
}

void gather_rows(const std::vector<np::Array>& src, const int64_t* ids, int64_t n,
                 std::vector<np::Array>& dst, size_t dst_offset) {
  for (size_t a = 0; a < src.size(); ++a) {
    const np::Array& s = src[a];
    np::Array& d = dst[dst_offset + a];
    const int64_t rows = s.shape(0);
    const int64_t row_elems = rows ? s.size() / rows : 0;
    if (s.dtype() == d.dtype()) {
      const size_t row_bytes = static_cast<size_t>(row_elems) * np::itemsize(s.dtype());
      const auto* base = static_cast<const unsigned char*>(s.raw_data());
      auto* out = static_cast<unsigned char*>(d.raw_data());
      // Rows of a large set come from main memory; two threads' loads
      // overlap (a 128x784 float batch: 400 KB).
#pragma omp parallel for if (static_cast<size_t>(n) * row_bytes > (size_t{1} << 16)) schedule(static)
      for (int64_t r = 0; r < n; ++r)
        std::memcpy(out + static_cast<size_t>(r) * row_bytes,
                    base + static_cast<size_t>(ids[r]) * row_bytes, row_bytes);
    } else {
      // Another dtype than the placeholder's (float64 data for a float32
      // model): converted element by element.
      for (int64_t r = 0; r < n; ++r)
        for (int64_t e = 0; e < row_elems; ++e)
          d.set_flat(r * row_elems + e, s.get_flat(ids[r] * row_elems + e));
    }
  }
}

void copy_rows(const std::vector<np::Array>& src, int64_t start, int64_t n,
               std::vector<np::Array>& dst) {
  for (size_t a = 0; a < src.size(); ++a) {
    const np::Array& s = src[a];
    np::Array& d = dst[a];
    const int64_t rows = s.shape(0);
    const int64_t row_elems = rows ? s.size() / rows : 0;
    if (s.dtype() == d.dtype()) {
      const size_t row_bytes = static_cast<size_t>(row_elems) * np::itemsize(s.dtype());
      std::memcpy(d.raw_data(),
                  static_cast<const unsigned char*>(s.raw_data()) + static_cast<size_t>(start) * row_bytes,
                  static_cast<size_t>(n) * row_bytes);
    } else {
      for (int64_t e = 0; e < n * row_elems; ++e) d.set_flat(e, s.get_flat(start * row_elems + e));
    }
  }
}

BatchBuffers& TrainingState::buffers_for(FunctionKind kind, int64_t n,
                                         const std::vector<np::Array>& src) {
  const std::vector<tf::Tensor> fed = fed_tensors(kind);
  BatchBuffers& b = buffers[{static_cast<int>(kind), n}];
  // Reuse when every buffer still has the rows' shape (same data layout).
  bool fits = b.arrays.size() == fed.size();
  for (size_t i = 0; fits && i < fed.size(); ++i) {
    np::Shape want = src[i].shape();
    want[0] = n;
    fits = b.arrays[i].shape() == want;
  }
  if (fits) return b;
  b = BatchBuffers{};
  for (size_t i = 0; i < fed.size(); ++i) {
    np::Shape shape = src[i].shape();
    shape[0] = n;
    b.arrays.push_back(np::Array::empty(shape, fed[i].dtype()));
    b.feeds.emplace_back(fed[i], b.arrays.back());
  }
  if (feed_learning_phase) {
    b.learning_phase = np::Array::scalar(kind == FunctionKind::kTrain);
    b.feeds.emplace_back(learning_phase, b.learning_phase);
  }
  return b;
}

}  // namespace keras::engine
