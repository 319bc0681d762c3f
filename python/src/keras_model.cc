// keras Model / Sequential: compile, fit (GIL released, progress bar to
// Python's sys.stdout, Ctrl-C stops between batches), evaluate, predict,
// summary, and Python callbacks.
#include <sstream>

#include "convert.h"
#include "python_stdout.h"
#include "keraspp/keras.h"

namespace keraspp::python {
namespace {

using keras::engine::Model;
using keras::engine::Sequential;

keras::ArrayList to_array_list(py::handle x, const char* what) {
  if (x.is_none()) return {};
  if (py::isinstance<py::list>(x) || py::isinstance<py::tuple>(x)) {
    std::vector<np::Array> v;
    for (py::handle a : x) v.push_back(borrow_python_array(a, what));
    return keras::ArrayList(v);
  }
  return keras::ArrayList(borrow_python_array(x, what));
}

py::object scalar_or_list(const std::vector<double>& r) {
  if (r.size() == 1) return py::float_(r[0]);
  return py::cast(r);
}

py::dict logs_to_dict(const keras::Logs& logs) {
  py::dict d;
  for (const auto& [k, v] : logs) d[py::str(k)] = v;
  return d;
}

// A Python object with Keras's callback methods, called with the GIL held.
class PythonCallback : public keras::callbacks::Callback {
 public:
  explicit PythonCallback(py::object cb) : cb_(std::move(cb)) {}
  ~PythonCallback() override {
    py::gil_scoped_acquire gil;
    cb_ = py::object();
  }
  void on_epoch_begin(int epoch, keras::Logs& logs) override { call("on_epoch_begin", epoch, logs); }
  void on_epoch_end(int epoch, keras::Logs& logs) override { call("on_epoch_end", epoch, logs); }
  void on_batch_begin(int batch, keras::Logs& logs) override { call("on_batch_begin", batch, logs); }
  void on_batch_end(int batch, keras::Logs& logs) override { call("on_batch_end", batch, logs); }
  void on_train_begin(keras::Logs& logs) override { call("on_train_begin", -1, logs); }
  void on_train_end(keras::Logs& logs) override { call("on_train_end", -1, logs); }

 private:
  void call(const char* method, int index, keras::Logs& logs) {
    py::gil_scoped_acquire gil;
    if (!py::hasattr(cb_, method)) return;
    py::dict d = logs_to_dict(logs);
    if (index >= 0) cb_.attr(method)(index, d);
    else cb_.attr(method)(d);
  }
  py::object cb_;
};

// Checks for Ctrl-C after each batch; on a signal it stops training there
// and keeps the Python exception to raise once fit has unwound.
class InterruptCheck : public keras::callbacks::Callback {
 public:
  void on_batch_end(int, keras::Logs&) override {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      error = std::make_shared<py::error_already_set>();
      if (model) model->set_stop_training(true);
    }
  }
  std::shared_ptr<py::error_already_set> error;
};

keras::engine::CompileOptions compile_options(py::handle optimizer, py::handle loss, py::handle metrics) {
  keras::engine::CompileOptions o;
  if (py::isinstance<py::str>(optimizer)) o.optimizer = keras::optimizers::Optimizer(optimizer.cast<std::string>());
  else o.optimizer = optimizer.cast<keras::optimizers::Optimizer>();
  if (py::isinstance<py::str>(loss)) {
    o.loss = keras::engine::LossList(loss.cast<std::string>());
  } else if (PyCallable_Check(loss.ptr())) {
    auto fn = py::reinterpret_borrow<py::object>(loss);
    std::string name = py::hasattr(fn, "__name__") ? fn.attr("__name__").cast<std::string>() : "lambda";
    auto holder = std::make_shared<py::object>(fn);
    o.loss = keras::engine::LossList(keras::losses::Loss(
        [holder](const tf::Tensor& y_true, const tf::Tensor& y_pred) {
          py::gil_scoped_acquire gil;
          return to_tensor((*holder)(y_true, y_pred));
        }, name));
  } else {
    throw keraspp::ValueError("Unknown loss function: " + py::repr(loss).cast<std::string>());
  }
  if (!metrics.is_none()) {
    for (py::handle m : metrics) {
      if (py::isinstance<py::str>(m)) { o.metrics.emplace_back(m.cast<std::string>()); continue; }
      auto holder = std::make_shared<py::object>(py::reinterpret_borrow<py::object>(m));
      std::string name = py::hasattr(m, "__name__") ? m.attr("__name__").cast<std::string>() : "lambda";
      o.metrics.emplace_back(keras::metrics::MetricFunction([holder](const tf::Tensor& a, const tf::Tensor& b) {
        py::gil_scoped_acquire gil;
        return to_tensor((*holder)(a, b));
      }), name);
    }
  }
  return o;
}

// class_weight: {class index: weight} (Keras's dict), or None.
std::map<int64_t, double> to_class_weight(py::handle class_weight) {
  std::map<int64_t, double> out;
  if (class_weight.is_none()) return out;
  if (!py::isinstance<py::dict>(class_weight))
    throw keraspp::TypeError("class_weight must be a dict mapping class indices to weights, got " +
                             py::repr(class_weight).cast<std::string>());
  for (auto [k, v] : py::reinterpret_borrow<py::dict>(class_weight)) out[k.cast<int64_t>()] = v.cast<double>();
  return out;
}

py::object fit(Model& model, py::handle x, py::handle y, int batch_size, int epochs, int verbose,
               py::handle callbacks, double validation_split, py::handle validation_data, bool shuffle,
               py::handle class_weight, py::handle sample_weight, int initial_epoch) {
  keras::engine::FitOptions o{.batch_size = batch_size, .epochs = epochs, .verbose = verbose,
                              .validation_split = validation_split, .shuffle = shuffle,
                              .class_weight = to_class_weight(class_weight),
                              .sample_weight = to_array_list(sample_weight, "sample_weight"),
                              .initial_epoch = initial_epoch};
  if (!callbacks.is_none())
    for (py::handle cb : callbacks)
      o.callbacks.push_back(std::make_shared<PythonCallback>(py::reinterpret_borrow<py::object>(cb)));
  auto interrupt = std::make_shared<InterruptCheck>();
  o.callbacks.push_back(interrupt);
  if (!validation_data.is_none()) {
    auto vd = py::reinterpret_borrow<py::sequence>(validation_data);
    if (vd.size() != 2 && vd.size() != 3)
      throw keraspp::ValueError("When passing validation_data, it must contain 2 (x_val, y_val) or 3 "
                                "(x_val, y_val, val_sample_weights) items, however it contains " +
                                std::to_string(vd.size()) + " items");
    o.validation_data = keras::engine::ValidationData{
        to_array_list(vd[0], "x_val"), to_array_list(vd[1], "y_val"),
        vd.size() == 3 ? to_array_list(vd[2], "val_sample_weights") : keras::ArrayList()};
  }
  const keras::ArrayList xs = to_array_list(x, "x"), ys = to_array_list(y, "y");
  keras::engine::History h;
  {
    PythonStdout out;
    py::gil_scoped_release nogil;
    h = model.fit(xs, ys, o);
  }
  if (interrupt->error) interrupt->error->restore(), throw py::error_already_set();
  py::dict history;
  for (const auto& [k, v] : h.history) history[py::str(k)] = py::cast(v);
  return py::make_tuple(py::cast(h.epoch), history);
}

// Keras's custom_objects for loading: a Python function under the name the
// file uses serves as an activation and as a loss.
keras::CustomObjects to_custom_objects(py::handle custom_objects) {
  keras::CustomObjects out;
  if (custom_objects.is_none()) return out;
  if (!py::isinstance<py::dict>(custom_objects))
    throw keraspp::TypeError("custom_objects must be a dict, got " + py::repr(custom_objects).cast<std::string>());
  for (auto [k, v] : py::reinterpret_borrow<py::dict>(custom_objects)) {
    const std::string name = py::str(k).cast<std::string>();
    if (!PyCallable_Check(v.ptr()) || py::isinstance<py::type>(v))
      throw keraspp::TypeError("custom_objects['" + name + "']: only Python functions (activations, losses) "
                               "are supported, got " + py::repr(v).cast<std::string>());
    auto holder = std::make_shared<py::object>(py::reinterpret_borrow<py::object>(v));
    struct Named {
      std::shared_ptr<py::object> fn;
      std::string name;
      tf::Tensor operator()(const tf::Tensor& x) const {
        py::gil_scoped_acquire gil;
        return to_tensor((*fn)(x));
      }
    };
    out.activations[name] = keras::activations::Activation(Named{holder, name});
    out.losses[name] = keras::losses::Loss([holder](const tf::Tensor& y_true, const tf::Tensor& y_pred) {
      py::gil_scoped_acquire gil;
      return to_tensor((*holder)(y_true, y_pred));
    }, name);
  }
  return out;
}

// Keras's `overwrite=False` asks before replacing a file; with no terminal
// to ask, an existing file is an error (Keras++ never prompts).
void check_overwrite(const std::string& path, bool overwrite) {
  if (!overwrite && py::module_::import("os").attr("path").attr("exists")(path).cast<bool>())
    throw keraspp::ValueError("File " + path + " exists and overwrite=False");
}

void bind_model_files(py::module_& m, py::class_<Model, keras::engine::Layer>& model) {
  model.def("to_json", [](const Model& mo, py::kwargs kwargs) {
         py::object text = py::str(mo.to_json());
         if (kwargs.empty()) return text;
         py::module_ json = py::module_::import("json");
         return json.attr("dumps")(json.attr("loads")(text), **kwargs);
       })
      .def("save", [](const Model& mo, const std::string& filepath, bool overwrite, bool include_optimizer) {
        check_overwrite(filepath, overwrite);
        mo.save(filepath, include_optimizer);
      }, py::arg("filepath"), py::arg("overwrite") = true, py::arg("include_optimizer") = true)
      .def("save_weights", [](const Model& mo, const std::string& filepath, bool overwrite) {
        check_overwrite(filepath, overwrite);
        mo.save_weights(filepath);
      }, py::arg("filepath"), py::arg("overwrite") = true)
      .def("load_weights", [](const Model& mo, const std::string& filepath, bool by_name) {
        mo.load_weights(filepath, {.by_name = by_name});
      }, py::arg("filepath"), py::arg("by_name") = false);
  m.def("save_model", [](const Model& mo, const std::string& filepath, bool overwrite, bool include_optimizer) {
    check_overwrite(filepath, overwrite);
    keras::models::save_model(mo, filepath, include_optimizer);
  }, py::arg("model"), py::arg("filepath"), py::arg("overwrite") = true, py::arg("include_optimizer") = true);
  m.def("load_model", [](const std::string& filepath, py::handle custom_objects, bool compile) {
    return keras::models::load_model(filepath, {.custom_objects = to_custom_objects(custom_objects), .compile = compile});
  }, py::arg("filepath"), py::arg("custom_objects") = py::none(), py::arg("compile") = true);
  m.def("model_from_json", [](const std::string& json, py::handle custom_objects) {
    return keras::models::model_from_json(json, to_custom_objects(custom_objects));
  }, py::arg("json_string"), py::arg("custom_objects") = py::none());
  m.def("model_from_config", [](py::handle config, py::handle custom_objects) {
    const std::string text = py::module_::import("json").attr("dumps")(config).cast<std::string>();
    return keras::models::model_from_config(keras::Config::parse(text), to_custom_objects(custom_objects));
  }, py::arg("config"), py::arg("custom_objects") = py::none());
}

}  // namespace

void bind_keras_model(py::module_& m) {
  py::class_<Model, keras::engine::Layer> model(m, "Model");
  bind_model_files(m, model);
  // Keras takes one tensor or a list for inputs and for outputs.
  model.def(py::init([](py::handle inputs, py::handle outputs, const std::string& name) {
        auto tensors = [](py::handle t) {
          std::vector<tf::Tensor> v;
          if (py::isinstance<py::list>(t) || py::isinstance<py::tuple>(t)) {
            for (py::handle e : t) v.push_back(e.cast<tf::Tensor>());
          } else {
            v.push_back(t.cast<tf::Tensor>());
          }
          return v;
        };
        return Model(tensors(inputs), tensors(outputs), name);
      }), py::arg("inputs"), py::arg("outputs"), py::arg("name") = "")
      .def_property_readonly("layers", &Model::layers)
      .def("get_layer", [](const Model& mo, py::object name, py::object index) {
        if (!name.is_none()) return mo.get_layer(name.cast<std::string>());
        return mo.get_layer(index.cast<int>());
      }, py::arg("name") = py::none(), py::arg("index") = py::none())
      .def_property_readonly("inputs", &Model::inputs)
      .def_property_readonly("outputs", &Model::outputs)
      .def_property_readonly("metrics_names", &Model::metrics_names)
      .def_property("stop_training", &Model::stop_training, &Model::set_stop_training)
      .def("summary", [](const Model& mo, int line_length) {
        std::ostringstream os;
        mo.summary(os, line_length);
        py::module_::import("sys").attr("stdout").attr("write")(os.str());
      }, py::arg("line_length") = 0)
      .def("compile", [](Model& mo, py::handle optimizer, py::handle loss, py::handle metrics) {
        mo.compile(compile_options(optimizer, loss, metrics));
      }, py::arg("optimizer"), py::arg("loss"), py::arg("metrics") = py::none())
      .def("_fit", &fit)
      .def("evaluate", [](Model& mo, py::handle x, py::handle y, int batch_size, int verbose,
                          py::handle sample_weight) {
        const keras::ArrayList xs = to_array_list(x, "x"), ys = to_array_list(y, "y");
        const keras::ArrayList ws = to_array_list(sample_weight, "sample_weight");
        std::vector<double> r;
        {
          PythonStdout out;
          py::gil_scoped_release nogil;
          r = mo.evaluate(xs, ys, {.batch_size = batch_size, .verbose = verbose, .sample_weight = ws});
        }
        return scalar_or_list(r);
      }, py::arg("x"), py::arg("y"), py::arg("batch_size") = 32, py::arg("verbose") = 1,
         py::arg("sample_weight") = py::none())
      .def("predict", [](Model& mo, py::handle x, int batch_size, int verbose) {
        const keras::ArrayList xs = to_array_list(x, "x");
        np::Array r;
        {
          py::gil_scoped_release nogil;
          r = mo.predict(xs, {.batch_size = batch_size, .verbose = verbose});
        }
        return to_numpy(r);
      }, py::arg("x"), py::arg("batch_size") = 32, py::arg("verbose") = 0)
      // Keras returns a scalar for a model without metrics, else a list.
      .def("train_on_batch", [](Model& mo, py::handle x, py::handle y, py::handle sample_weight,
                                py::handle class_weight) {
        const keras::ArrayList xs = to_array_list(x, "x"), ys = to_array_list(y, "y");
        const keras::ArrayList ws = to_array_list(sample_weight, "sample_weight");
        const std::map<int64_t, double> cw = to_class_weight(class_weight);
        std::vector<double> r;
        {
          py::gil_scoped_release nogil;
          r = mo.train_on_batch(xs, ys, ws, cw);
        }
        return scalar_or_list(r);
      }, py::arg("x"), py::arg("y"), py::arg("sample_weight") = py::none(), py::arg("class_weight") = py::none())
      .def("test_on_batch", [](Model& mo, py::handle x, py::handle y, py::handle sample_weight) {
        const keras::ArrayList xs = to_array_list(x, "x"), ys = to_array_list(y, "y");
        const keras::ArrayList ws = to_array_list(sample_weight, "sample_weight");
        std::vector<double> r;
        {
          py::gil_scoped_release nogil;
          r = mo.test_on_batch(xs, ys, ws);
        }
        return scalar_or_list(r);
      }, py::arg("x"), py::arg("y"), py::arg("sample_weight") = py::none())
      .def("predict_on_batch", [](Model& mo, py::handle x) {
        const keras::ArrayList xs = to_array_list(x, "x");
        np::Array r;
        {
          py::gil_scoped_release nogil;
          r = mo.predict_on_batch(xs);
        }
        return to_numpy(r);
      }, py::arg("x"));
  py::class_<Sequential, Model>(m, "Sequential")
      .def(py::init([](py::object layers, const std::string& name) {
        Sequential s(name);
        if (!layers.is_none())
          for (py::handle l : layers) s.add(l.cast<keras::engine::Layer>());
        return s;
      }), py::arg("layers") = py::none(), py::arg("name") = "")
      .def("add", [](const Sequential& s, py::handle layer) {
        if (!py::isinstance<keras::engine::Layer>(layer))
          throw keraspp::TypeError("The added layer must be an instance of class Layer. Found: " +
                                   py::str(layer).cast<std::string>());
        s.add(layer.cast<keras::engine::Layer>());
      }, py::arg("layer"))
      .def("pop", &Sequential::pop);
}

}  // namespace keraspp::python
