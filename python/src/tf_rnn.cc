// The C++ RNN cells and tf.nn's dynamic_rnn / static_rnn /
// bidirectional_dynamic_rnn, flat: a state is a list of tensors here. The
// package's _rnn.py gives them TF 1.1's Python face (LSTMStateTuple, a
// MultiRNNCell's tuple of states, keyword arguments).
#include "convert.h"
#include "keraspp/layers/rnn.h"
#include "tf_bindings.h"

namespace keraspp::python {
namespace {

namespace nn = tf::nn;
using CellPtr = std::shared_ptr<nn::RNNCell>;

nn::DynamicRnnOptions rnn_options(py::handle initial_state, py::handle dtype, py::handle sequence_length,
                                  bool time_major, const std::string& scope) {
  nn::DynamicRnnOptions o;
  if (!initial_state.is_none()) o.initial_state = initial_state.cast<std::vector<tf::Tensor>>();
  if (!dtype.is_none()) o.dtype = dtype_from_python(dtype);
  if (!sequence_length.is_none()) o.sequence_length = to_tensor(sequence_length);
  o.time_major = time_major;
  o.scope = scope;
  return o;
}

void bind_cells(py::module_& rnn) {
  py::class_<nn::RNNCell, CellPtr>(rnn, "RNNCell")
      .def_property_readonly("output_size", &nn::RNNCell::output_size)
      .def_property_readonly("state_size", &nn::RNNCell::state_size)
      .def_property_readonly("variables", &nn::RNNCell::variables)
      // inputs [batch, depth], state: the flat state -> (output, flat new state).
      .def("call", [](nn::RNNCell& c, py::handle inputs, const std::vector<tf::Tensor>& state) {
        auto [out, s] = c(to_tensor(inputs), state);
        return py::make_tuple(out, s);
      }, py::arg("inputs"), py::arg("state"))
      .def("zero_state", [](const nn::RNNCell& c, py::handle batch_size, py::handle dtype) {
        return c.zero_state(to_tensor(batch_size), dtype_from_python(dtype));
      }, py::arg("batch_size"), py::arg("dtype"));
  py::class_<nn::BasicRNNCell, nn::RNNCell, std::shared_ptr<nn::BasicRNNCell>>(rnn, "BasicRNNCell")
      .def(py::init<int64_t>(), py::arg("num_units"));
  py::class_<nn::BasicLSTMCell, nn::RNNCell, std::shared_ptr<nn::BasicLSTMCell>>(rnn, "BasicLSTMCell")
      .def(py::init<int64_t, double>(), py::arg("num_units"), py::arg("forget_bias") = 1.0);
  py::class_<nn::LSTMCell, nn::RNNCell, std::shared_ptr<nn::LSTMCell>>(rnn, "LSTMCell")
      .def(py::init([](int64_t num_units, bool use_peepholes, int64_t num_proj, double forget_bias) {
        return nn::LSTMCell(num_units, {.use_peepholes = use_peepholes, .num_proj = num_proj, .forget_bias = forget_bias});
      }), py::arg("num_units"), py::arg("use_peepholes") = false, py::arg("num_proj") = 0,
         py::arg("forget_bias") = 1.0);
  py::class_<nn::GRUCell, nn::RNNCell, std::shared_ptr<nn::GRUCell>>(rnn, "GRUCell")
      .def(py::init<int64_t>(), py::arg("num_units"));
  py::class_<nn::MultiRNNCell, nn::RNNCell, std::shared_ptr<nn::MultiRNNCell>>(rnn, "MultiRNNCell")
      .def(py::init<std::vector<CellPtr>>(), py::arg("cells"));
}

void bind_networks(py::module_& rnn) {
  rnn.def("dynamic_rnn", [](const CellPtr& cell, py::handle inputs, py::handle sequence_length,
                            py::handle initial_state, py::handle dtype, bool time_major, const std::string& scope) {
    auto [out, state] = nn::dynamic_rnn(*cell, to_tensor(inputs),
                                        rnn_options(initial_state, dtype, sequence_length, time_major, scope));
    return py::make_tuple(out, state);
  }, py::arg("cell"), py::arg("inputs"), py::arg("sequence_length"), py::arg("initial_state"), py::arg("dtype"),
     py::arg("time_major"), py::arg("scope"));
  rnn.def("static_rnn", [](const CellPtr& cell, const std::vector<tf::Tensor>& inputs, py::handle sequence_length,
                           py::handle initial_state, py::handle dtype, const std::string& scope) {
    auto [outs, state] = nn::static_rnn(*cell, inputs, rnn_options(initial_state, dtype, sequence_length, false, scope));
    return py::make_tuple(outs, state);
  }, py::arg("cell"), py::arg("inputs"), py::arg("sequence_length"), py::arg("initial_state"), py::arg("dtype"),
     py::arg("scope"));
  // initial_state: the forward then the backward flat states (or None).
  rnn.def("bidirectional_dynamic_rnn", [](const CellPtr& fw, const CellPtr& bw, py::handle inputs,
                                          py::handle sequence_length, py::handle initial_state, py::handle dtype,
                                          bool time_major, const std::string& scope) {
    nn::DynamicRnnOptions o = rnn_options(initial_state, dtype, sequence_length, time_major, scope);
    auto [outs, states] = nn::bidirectional_dynamic_rnn(*fw, *bw, to_tensor(inputs), o);
    return py::make_tuple(py::make_tuple(outs.first, outs.second), py::make_tuple(states.first, states.second));
  }, py::arg("cell_fw"), py::arg("cell_bw"), py::arg("inputs"), py::arg("sequence_length"), py::arg("initial_state"),
     py::arg("dtype"), py::arg("time_major"), py::arg("scope"));
}

}  // namespace

void bind_tf_rnn(py::module_& m) {
  py::module_ rnn = m.def_submodule("_rnn", "C++ RNN cells and networks, flat states");
  bind_cells(rnn);
  bind_networks(rnn);
}

}  // namespace keraspp::python
