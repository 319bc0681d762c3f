// The tf binding files beyond tf_graph.cc / tf_ops.cc, each called from
// bind_tf after the core classes (Tensor, Variable, nn, layers) exist.
#pragma once
#include "convert.h"

namespace keraspp::python {

void bind_tf_array(py::module_& m);         // tf_array.cc: pad, split, slicing, gather, collections
void bind_tf_nn(py::module_& m);            // tf_nn.cc: conv/pool/batch norm/embedding
void bind_tf_layers_cnn(py::module_& m);    // tf_layers_cnn.cc: tf.layers conv/pool/batch norm
void bind_tf_control_flow(py::module_& m);  // tf_control_flow.cc: cond/case/while_loop/TensorArray
void bind_tf_rnn(py::module_& m);           // tf_rnn.cc: rnn cells, dynamic/static/bidirectional rnn

}  // namespace keraspp::python
