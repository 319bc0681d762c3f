// keras.backend's state: configuration, per-graph uids and learning phase,
// the Keras session and its lazy variable initialization.
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "backend_state.h"
#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/state_ops.h"

namespace keras::backend {

namespace {

struct Config {
  double epsilon = 1e-7;
  std::string floatx = "float32";
  std::string image_data_format = "channels_last";
};
Config& config() {
  static Config c;
  return c;
}

// Keras's module globals: _SESSION and _MANUAL_VAR_INIT, plus, per session,
// the variables known to be initialized in it (so get_session() checks each
// variable once, with one cached IsVariableInitialized op per variable).
struct SessionState {
  std::optional<tf::Session> session;
  bool manual_var_init = false;
  std::map<std::weak_ptr<tf::SessionImpl>, std::set<int>, std::owner_less<>> initialized;
};
SessionState& session_state() {
  static SessionState s;
  return s;
}

// Creates ops at the graph's root name scope with no control dependencies, so
// state ops created lazily from inside a layer don't inherit its context.
template <class F> auto at_root(const tf::Graph& g, F&& f) {
  tf::init_scope scope(g, /*at_root=*/true);
  return f();
}

void initialize_variables(tf::Session& sess) {
  tf::Graph g = sess.graph();
  std::vector<tf::Variable> vars;
  {
    tf::Graph::DefaultGuard guard(g);
    vars = tf::global_variables();
  }
  std::lock_guard<std::mutex> lock(state_mutex());
  auto& initialized = session_state().initialized;
  if (!initialized.count(sess.impl()))  // a new session: forget the closed ones
    std::erase_if(initialized, [](const auto& entry) { return entry.first.expired(); });
  auto& known = initialized[sess.impl()];
  GraphState& gs = graph_state(g);
  std::vector<tf::Variable> unknown;
  std::vector<tf::Tensor> checks;
  for (const tf::Variable& v : vars) {
    if (known.count(v.ref().node_id())) continue;
    unknown.push_back(v);
    auto it = gs.is_initialized_ops.find(v.ref().node_id());
    if (it == gs.is_initialized_ops.end()) {
      tf::Tensor check = at_root(g, [&] { return tf::is_variable_initialized(v.ref()); });
      it = gs.is_initialized_ops.emplace(v.ref().node_id(), check.node_id()).first;
    }
    checks.emplace_back(g.data(), it->second, 0);
  }
  if (unknown.empty()) return;
  const std::vector<np::Array> done = sess.run(checks);
  std::vector<tf::Operation> inits;
  for (size_t i = 0; i < unknown.size(); ++i) {
    if (!done[i].item<bool>()) inits.push_back(unknown[i].initializer());
    known.insert(unknown[i].ref().node_id());
  }
  if (!inits.empty()) sess.run(std::vector<tf::Tensor>{}, {}, inits);
}

}  // namespace

std::mutex& state_mutex() {
  static std::mutex m;
  return m;
}

namespace {
std::map<uint64_t, GraphState>& graph_states() {
  static std::map<uint64_t, GraphState> states;
  return states;
}
}  // namespace

GraphState& graph_state(const tf::Graph& g) {
  auto& states = graph_states();
  auto it = states.find(g.id());
  if (it != states.end()) return it->second;
  // A new graph: drop the entries of graphs that are gone first, so the
  // table holds only live graphs however many a program builds.
  std::erase_if(states, [](const auto& entry) { return entry.second.graph.expired(); });
  GraphState& s = states[g.id()];
  s.graph = g.data();
  return s;
}

void for_each_graph_state(const std::function<void(GraphState&)>& f) {
  auto& states = graph_states();
  // Entries of graphs that no longer exist are dropped on the way.
  for (auto it = states.begin(); it != states.end();) {
    if (it->second.graph.expired()) {
      it = states.erase(it);
    } else {
      f(it->second);
      ++it;
    }
  }
}

// ---- configuration ---------------------------------------------------------

double epsilon() { return config().epsilon; }
void set_epsilon(double e) { config().epsilon = e; }
std::string floatx() { return config().floatx; }
void set_floatx(const std::string& value) {
  if (value != "float16" && value != "float32" && value != "float64")
    throw keraspp::ValueError("Unknown floatx type: " + value);
  if (value == "float16") throw keraspp::TypeError("Unsupported dtype: float16");
  config().floatx = value;
}
std::string image_data_format() { return config().image_data_format; }
void set_image_data_format(const std::string& data_format) {
  if (data_format != "channels_last" && data_format != "channels_first")
    throw keraspp::ValueError("Unknown data_format:" + data_format);
  config().image_data_format = data_format;
}
std::string backend() { return "tensorflow"; }

tf::DType dtype_from_string(const std::string& dtype) {
  const std::string d = dtype.empty() ? floatx() : dtype;
  if (d == "float32") return tf::float32;
  if (d == "float64") return tf::float64;
  if (d == "int32") return tf::int32;
  if (d == "int64") return tf::int64;
  if (d == "uint8") return tf::uint8;
  if (d == "bool") return tf::bool_;
  throw keraspp::TypeError("Unsupported dtype: " + d);
}

// ---- uids ------------------------------------------------------------------

int64_t get_uid(const std::string& prefix) {
  tf::Graph g = tf::get_default_graph();
  std::lock_guard<std::mutex> lock(state_mutex());
  return ++graph_state(g).uids[prefix];
}

void reset_uids() {
  std::lock_guard<std::mutex> lock(state_mutex());
  for_each_graph_state([](GraphState& s) { s.uids.clear(); });
}

// ---- learning phase ----------------------------------------------------------

tf::Tensor learning_phase() {
  tf::Graph g = tf::get_default_graph();
  std::lock_guard<std::mutex> lock(state_mutex());
  GraphState& s = graph_state(g);
  if (s.learning_phase_value) {
    if (s.learning_phase_const < 0)
      s.learning_phase_const = at_root(g, [&] {
        return tf::constant(np::Array::scalar(*s.learning_phase_value != 0), "keras_learning_phase");
      }).node_id();
    return tf::Tensor(g.data(), s.learning_phase_const, 0);
  }
  if (s.learning_phase_node < 0)
    s.learning_phase_node = at_root(g, [&] {
      return tf::placeholder_with_default(false, tf::TensorShape::scalar(), "keras_learning_phase");
    }).node_id();
  return tf::Tensor(g.data(), s.learning_phase_node, 0);
}

void set_learning_phase(int value) {
  if (value != 0 && value != 1) throw keraspp::ValueError("Expected learning phase to be 0 or 1.");
  tf::Graph g = tf::get_default_graph();
  std::lock_guard<std::mutex> lock(state_mutex());
  GraphState& s = graph_state(g);
  if (s.learning_phase_value != value) s.learning_phase_const = -1;
  s.learning_phase_value = value;
}

std::optional<int> learning_phase_value() {
  tf::Graph g = tf::get_default_graph();
  std::lock_guard<std::mutex> lock(state_mutex());
  return graph_state(g).learning_phase_value;
}

bool uses_learning_phase(const tf::Tensor& x) {
  if (!x) return false;
  std::lock_guard<std::mutex> lock(state_mutex());
  return graph_state(x.graph()).uses_learning_phase.count({x.node_id(), x.value_index()}) > 0;
}

void set_uses_learning_phase(const tf::Tensor& x, bool value) {
  std::lock_guard<std::mutex> lock(state_mutex());
  auto& set = graph_state(x.graph()).uses_learning_phase;
  if (value)
    set.insert({x.node_id(), x.value_index()});
  else
    set.erase({x.node_id(), x.value_index()});
}

// ---- session -----------------------------------------------------------------

tf::Session get_session() {
  tf::Session sess = [] {
    if (tf::has_default_session()) return tf::get_default_session();
    std::lock_guard<std::mutex> lock(state_mutex());
    SessionState& s = session_state();
    // Keras keeps one session; one made for another graph (the default graph
    // changed since) cannot run this graph's tensors, so it is replaced.
    if (!s.session || s.session->graph() != tf::get_default_graph()) s.session.emplace();
    return *s.session;
  }();
  if (!session_state().manual_var_init) initialize_variables(sess);
  return sess;
}

void set_session(const tf::Session& session) {
  std::lock_guard<std::mutex> lock(state_mutex());
  session_state().session = session;
}

void manual_variable_initialization(bool value) { session_state().manual_var_init = value; }

void clear_session() {
  tf::reset_default_graph();
  {
    std::lock_guard<std::mutex> lock(state_mutex());
    for_each_graph_state([](GraphState& s) {
      s.uids.clear();
      s.learning_phase_value.reset();
      s.learning_phase_const = -1;
    });
    SessionState& s = session_state();
    s.session.reset();
    for (auto it = s.initialized.begin(); it != s.initialized.end();)
      it = it->first.expired() ? s.initialized.erase(it) : std::next(it);
  }
  learning_phase();  // as Keras: the new graph starts with its phase placeholder
}

}  // namespace keras::backend
