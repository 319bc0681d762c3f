// tf::layers: naming (variables and ops), sharing through variable scopes and
// reuse, the seed's experiments, and the layers' values.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "keraspp/np/random.h"
#include "keraspp/tf.h"

namespace {

std::vector<std::string> var_names(const std::vector<tf::Variable>& vars) {
  std::vector<std::string> out;
  for (const auto& v : vars) out.push_back(v.name());
  return out;
}

using kpp_test::message_of;

class LayersTest : public ::testing::Test {
 protected:
  tf::Graph graph;
  tf::Graph::DefaultGuard guard{graph};
};

// The seed's third program's model.
tf::Tensor nn_model(const tf::Tensor& images, const tf::Tensor& drop_rate, const std::string& vs,
                    bool reuse = false) {
  tf::variable_scope scope(vs, {.reuse = reuse});
  auto net = tf::layers::dense(images, 512, {.activation = tf::nn::relu, .name = "dense1"});
  net = tf::layers::dropout(net, {.rate = drop_rate});
  net = tf::layers::dense(net, 512, {.activation = tf::nn::relu, .name = "dense2"});
  net = tf::layers::dropout(net, {.rate = drop_rate});
  net = tf::layers::dense(net, 10, {.name = "dense3"});
  return net;
}

// TF r1.1's layers/base_test.py testNaming: a layer is named after the
// variable scope it picks on its first call, under the variable scope current
// then; names are uniquified per graph, a given name included, and name
// scopes do not enter them.
TEST_F(LayersTest, LayerObjectsTakeTheirScopesNameOnFirstCall) {
  auto x = tf::placeholder(tf::float32, {-1, 3});
  auto named = [&](const std::string& name) {
    tf::layers::Flatten layer({.name = name});
    layer(x);
    return layer.name();
  };
  tf::layers::Flatten default_layer;
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { (void)default_layer.name(); }),
            "No name available for layer because it has not been used yet.");
  EXPECT_THROW((void)default_layer.scope_name(), keraspp::ValueError);
  default_layer(x);
  EXPECT_EQ(default_layer.name(), "flatten");
  EXPECT_EQ(named(""), "flatten_1");
  EXPECT_EQ(named("my_layer"), "my_layer");
  EXPECT_EQ(named("my_layer"), "my_layer_1");  // uniquified, not an error
  {
    tf::Graph other;  // a new graph has its own names
    auto in_other = other.as_default();
    tf::layers::Flatten layer({.name = "my_layer"});
    layer(tf::placeholder(tf::float32, {-1, 3}));
    EXPECT_EQ(layer.name(), "my_layer");
  }
  EXPECT_EQ(named("my_layer"), "my_layer_2");
  {
    tf::name_scope ns("some_name_scope");  // name scopes do not affect names
    EXPECT_EQ(named(""), "flatten_2");
    EXPECT_EQ(named("my_layer"), "my_layer_3");
    EXPECT_EQ(named("other_layer"), "other_layer");
  }
  {
    tf::variable_scope vs("var_scope");  // variable scopes do
    EXPECT_EQ(named(""), "var_scope/flatten");
    EXPECT_EQ(named("my_layer"), "var_scope/my_layer");
    EXPECT_EQ(named("my_layer"), "var_scope/my_layer_1");
  }
  // A layer made outside a scope and first called inside it takes that scope.
  tf::layers::Dense dense(2);
  {
    tf::variable_scope vs("tower");
    dense(x);
  }
  EXPECT_EQ(dense.name(), "tower/dense");
  EXPECT_EQ(var_names(dense.weights()),
            (std::vector<std::string>{"tower/dense/kernel:0", "tower/dense/bias:0"}));
  // Two Dense layers given one name get two sets of variables.
  tf::layers::Dense a(2, {.name = "fc"}), b(2, {.name = "fc"});
  a(x);
  b(x);
  EXPECT_EQ(b.name(), "fc_1");
  EXPECT_EQ(b.kernel().name(), "fc_1/kernel:0");
}

// The functional tf.layers.dense passes its name as the layer's scope
// (TF's `_scope=name`): taken as is, so a second dense with that name needs
// reuse, unlike a second Dense object (uniquified above).
TEST_F(LayersTest, FunctionalDenseUsesItsNameAsTheScope) {
  auto x = tf::placeholder(tf::float32, {-1, 3});
  tf::layers::dense(x, 2, {.name = "h"});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::layers::dense(x, 2, {.name = "h"}); }),
            "Variable h/kernel already exists, disallowed. Did you mean to set reuse=True in "
            "VarScope?");
  auto shared = tf::layers::dense(x, 2, {.name = "h", .reuse = true});
  EXPECT_EQ(var_names(tf::global_variables()), (std::vector<std::string>{"h/kernel:0", "h/bias:0"}));
  // Name scopes are still uniquified: each layer's capture and first call
  // took one ("h", "h_1"; the refused one "h_2", "h_3"), as in TF.
  EXPECT_EQ(shared.op().name(), "h_4/BiasAdd");
  auto unnamed = tf::layers::dense(x, 2);
  EXPECT_EQ(unnamed.op().name(), "dense/BiasAdd");
}

TEST_F(LayersTest, DefaultNamesForVariablesAndOps) {
  auto x = tf::placeholder(tf::float32, {-1, 3}, "x");
  auto y = tf::layers::dense(x, 4, {.activation = tf::nn::relu});
  auto z = tf::layers::dense(y, 2);
  EXPECT_EQ(var_names(tf::global_variables()),
            (std::vector<std::string>{"dense/kernel:0", "dense/bias:0", "dense_1/kernel:0",
                                      "dense_1/bias:0"}));
  EXPECT_EQ(y.name(), "dense/Relu:0");
  EXPECT_EQ(y.op().input(0).op().name(), "dense/BiasAdd");
  EXPECT_EQ(y.op().input(0).op().input(0).op().name(), "dense/MatMul");
  EXPECT_EQ(y.shape().str(), "(?, 4)");
  // As TF 1.x: entering the captured scope on the call takes one more name
  // scope ("dense_1"), so the second layer's ops land in "dense_2".
  EXPECT_EQ(z.name(), "dense_2/BiasAdd:0");
  tf::Variable k = tf::global_variables()[0];
  EXPECT_EQ(k.initial_value().op().name(), "dense/kernel/Initializer/random_uniform");
  EXPECT_EQ(tf::global_variables()[1].initial_value().op().name(), "dense/bias/Initializer/zeros");
}

TEST_F(LayersTest, SeedProgramThreeSharesEverything) {
  auto x = tf::placeholder(tf::float32, {-1, 784}, "x");
  auto keep_prob = tf::placeholder(tf::float32, tf::TensorShape::unknown(), "keep_prob");
  auto drop_rate = 1 - keep_prob;
  auto mlp1 = nn_model(x, drop_rate, "mlp1");
  const auto vars = tf::global_variables();
  auto mlp2 = nn_model(x, drop_rate, "mlp1", /*reuse=*/true);
  EXPECT_EQ(var_names(tf::global_variables()), var_names(vars));
  std::ostringstream os;
  for (const auto& v : tf::global_variables()) os << v << '\n';
  EXPECT_EQ(os.str(),
            "<tf.Variable 'mlp1/dense1/kernel:0' shape=(784, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp1/dense1/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp1/dense2/kernel:0' shape=(512, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp1/dense2/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp1/dense3/kernel:0' shape=(512, 10) dtype=float32_ref>\n"
            "<tf.Variable 'mlp1/dense3/bias:0' shape=(10,) dtype=float32_ref>\n");
  EXPECT_EQ(mlp1.name(), "mlp1/dense3/BiasAdd:0");
  EXPECT_EQ(mlp2.name(), "mlp1_1/dense3/BiasAdd:0");

  tf::Session sess(graph);
  sess.run(tf::global_variables_initializer());
  np::random::seed(3);
  const np::Array xs = np::random::uniform(0.0, 1.0, {5, 784}).astype(np::float32);
  auto out = sess.run({mlp1, mlp2}, {{x, xs}, {keep_prob, 0.5f}});
  ASSERT_EQ(out[0].shape(), (np::Shape{5, 10}));
  for (int64_t i = 0; i < out[0].size(); ++i) EXPECT_EQ(out[0].get_flat(i), out[1].get_flat(i));
}

TEST_F(LayersTest, SeedNamingExperimentCreatesNothingTheSecondTime) {
  auto x = tf::placeholder(tf::float32, {-1, 784});
  auto model = [&](bool reuse) {
    tf::variable_scope scope("mlp_by_tflayers", {.reuse = reuse});
    auto net = tf::layers::dense(x, 512, {.activation = tf::nn::relu, .name = "his_dense1"});
    net = tf::layers::dense(net, 512, {.activation = tf::nn::relu, .name = "his_dense2"});
    return tf::layers::dense(net, 10, {.name = "his_dense3"});
  };
  model(false);
  model(true);
  EXPECT_EQ(var_names(tf::global_variables()),
            (std::vector<std::string>{
                "mlp_by_tflayers/his_dense1/kernel:0", "mlp_by_tflayers/his_dense1/bias:0",
                "mlp_by_tflayers/his_dense2/kernel:0", "mlp_by_tflayers/his_dense2/bias:0",
                "mlp_by_tflayers/his_dense3/kernel:0", "mlp_by_tflayers/his_dense3/bias:0"}));
}

TEST_F(LayersTest, UnnamedLayersReuseInsideAReusedScope) {
  auto x = tf::placeholder(tf::float32, {-1, 3});
  for (bool reuse : {false, true}) {
    tf::variable_scope s("net", {.reuse = reuse});
    tf::layers::dense(tf::layers::dense(x, 4), 2);
  }
  EXPECT_EQ(var_names(tf::global_variables()),
            (std::vector<std::string>{"net/dense/kernel:0", "net/dense/bias:0",
                                      "net/dense_1/kernel:0", "net/dense_1/bias:0"}));
}

TEST_F(LayersTest, DenseObjectCalledTwiceSharesItsVariables) {
  auto a = tf::placeholder(tf::float32, {-1, 3});
  auto b = tf::placeholder(tf::float32, {-1, 3});
  tf::layers::Dense layer(
      2, {.kernel_initializer = tf::constant_initializer(np::Array({1.f, 2.f, 3.f, 4.f, 5.f, 6.f})),
          .bias_initializer = tf::constant_initializer(0.5)});
  EXPECT_FALSE(layer.built());
  auto ya = layer(a);
  auto yb = layer(b);
  EXPECT_TRUE(layer.built());
  EXPECT_EQ(layer.name(), "dense");
  EXPECT_EQ(layer.scope_name(), "dense");
  EXPECT_EQ(var_names(layer.weights()),
            (std::vector<std::string>{"dense/kernel:0", "dense/bias:0"}));
  EXPECT_EQ(tf::global_variables().size(), 2u);
  EXPECT_EQ(ya.name(), "dense/BiasAdd:0");
  EXPECT_EQ(yb.name(), "dense/BiasAdd_1:0");

  tf::Session sess(graph);
  sess.run(tf::global_variables_initializer());
  np::Array xa = np::Array::empty({1, 3}, np::float32);
  for (int i = 0; i < 3; ++i) xa.set_flat(i, i + 1.0);  // [1, 2, 3]
  // kernel [[1,2],[3,4],[5,6]]: [1*1+2*3+3*5, 1*2+2*4+3*6] + 0.5
  auto y = sess.run(ya, {{a, xa}});
  EXPECT_EQ(y.get_flat(0), 22.5);
  EXPECT_EQ(y.get_flat(1), 28.5);
}

TEST_F(LayersTest, DenseValuesWithActivationAndHigherRank) {
  auto x = tf::placeholder(tf::float64, {-1, 2, 2});
  auto y =
      tf::layers::dense(x, 1,
                        {.activation = tf::nn::relu,
                         .use_bias = false,
                         .kernel_initializer = tf::constant_initializer(np::Array({1.f, -1.f}))});
  EXPECT_EQ(y.shape().str(), "(?, 2, 1)");
  EXPECT_EQ(tf::global_variables()[0].dtype(), tf::float64);
  EXPECT_EQ(tf::global_variables().size(), 1u);
  tf::Session sess(graph);
  sess.run(tf::global_variables_initializer());
  np::Array xs = np::Array::empty({1, 2, 2}, np::float64);
  const double v[] = {3, 1, 1, 3};
  for (int i = 0; i < 4; ++i) xs.set_flat(i, v[i]);
  auto out = sess.run(y, {{x, xs}});
  EXPECT_EQ(out.get_flat(0), 2.0);  // relu(3 - 1)
  EXPECT_EQ(out.get_flat(1), 0.0);  // relu(1 - 3)
}

TEST_F(LayersTest, DenseErrors) {
  auto x = tf::placeholder(tf::float32, {-1, 784});
  nn_model(x, tf::constant(0.0), "mlp1");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] {
              tf::variable_scope s("mlp1", {.reuse = true});
              tf::layers::dense(x, 256, {.name = "dense1"});
            }),
            "Trying to share variable mlp1/dense1/kernel, but specified shape (784, 256) and "
            "found shape (784, 512).");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] {
              tf::variable_scope s("mlp1");
              tf::layers::dense(x, 512, {.name = "dense1"});
            }),
            "Variable mlp1/dense1/kernel already exists, disallowed. Did you mean to set "
            "reuse=True in VarScope?");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] {
              tf::layers::dense(tf::placeholder(tf::float32, {-1, -1}), 3);
            }),
            "The last dimension of the inputs to `Dense` should be defined. Found `None`.");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { tf::layers::dense(tf::placeholder(tf::float32, {3}), 3); }),
            "Inputs to `Dense` should have rank >= 2.");
  // A reused layer with reuse=true on the layer itself (no scope).
  tf::layers::dense(x, 8, {.name = "solo"});
  const size_t n = tf::global_variables().size();
  tf::layers::dense(x, 8, {.name = "solo", .reuse = true});
  EXPECT_EQ(tf::global_variables().size(), n);
}

TEST_F(LayersTest, RegularizersAndTrainable) {
  auto x = tf::placeholder(tf::float32, {-1, 2});
  auto l1 = [](const tf::Tensor& w) { return tf::reduce_sum(tf::abs(w)); };
  tf::layers::Dense layer(3, {.kernel_initializer = tf::constant_initializer(-1.0),
                              .kernel_regularizer = l1,
                              .trainable = false});
  layer(x);
  EXPECT_TRUE(tf::trainable_variables().empty());
  EXPECT_EQ(tf::global_variables().size(), 2u);
  EXPECT_EQ(layer.non_trainable_weights().size(), 2u);
  ASSERT_EQ(layer.losses().size(), 1u);
  EXPECT_EQ(graph.get_collection_ref(tf::GraphKeys::REGULARIZATION_LOSSES).size(), 1u);
  EXPECT_EQ(layer.losses()[0].op().name().rfind("dense/kernel/Regularizer/", 0), 0u);
  tf::Session sess(graph);
  sess.run(tf::global_variables_initializer());
  EXPECT_EQ(sess.run(layer.losses()[0]).item<float>(), 6.0f);
}

TEST_F(LayersTest, DropoutIdentityUnlessTraining) {
  auto x = tf::placeholder(tf::float32, {-1, 1000});
  auto training = tf::placeholder(tf::bool_, tf::TensorShape::scalar(), "training");
  auto keep = tf::placeholder(tf::float32, tf::TensorShape::scalar(), "keep");
  auto off = tf::layers::dropout(x, {.rate = 0.5});
  auto on = tf::layers::dropout(x, {.rate = 0.5, .training = true});
  auto fed = tf::layers::dropout(x, {.rate = 1 - keep, .training = training});
  EXPECT_EQ(off.name(), "dropout/Identity:0");
  tf::set_random_seed(1);
  tf::Session sess(graph);
  const np::Array xs = np::ones({4, 1000}, np::float32);
  auto count = [](const np::Array& a, double scale) {
    int zeros = 0;
    for (int64_t i = 0; i < a.size(); ++i) {
      const double v = a.get_flat(i);
      EXPECT_TRUE(v == 0.0 || v == scale) << v;
      zeros += v == 0.0;
    }
    return zeros;
  };
  EXPECT_EQ(count(sess.run(off, {{x, xs}}), 1.0), 0);
  EXPECT_NEAR(count(sess.run(on, {{x, xs}}), 2.0), 2000, 200);
  EXPECT_EQ(count(sess.run(fed, {{x, xs}, {training, false}, {keep, 0.25f}}), 1.0), 0);
  EXPECT_NEAR(count(sess.run(fed, {{x, xs}, {training, true}, {keep, 0.25f}}), 4.0), 3000, 200);
  EXPECT_EQ(message_of<keraspp::TypeError>([&] {
              tf::layers::dropout(x, {.training = tf::placeholder(tf::float32, {})});
            }).rfind("`training` must be a bool tensor", 0),
            0u);
}

TEST_F(LayersTest, Flatten) {
  auto a = tf::placeholder(tf::float32, {2, 3, 4});
  auto b = tf::placeholder(tf::float32, {-1, 3, 4});
  auto c = tf::placeholder(tf::float32, {-1, -1, 4});
  EXPECT_EQ(tf::layers::flatten(a).shape().str(), "(2, 12)");
  auto fb = tf::layers::flatten(b);
  EXPECT_EQ(fb.shape().str(), "(?, 12)");
  // Variable scope "flatten_1", name scope "flatten_2" (see DefaultNames...).
  EXPECT_EQ(fb.name(), "flatten_2/Reshape:0");
  auto fc = tf::layers::flatten(c);
  tf::Session sess(graph);
  np::Array xs = np::Array::empty({2, 3, 4}, np::float32);
  for (int i = 0; i < 24; ++i) xs.set_flat(i, i);
  auto out = sess.run(fc, {{c, xs}});
  EXPECT_EQ(out.shape(), (np::Shape{2, 12}));
  EXPECT_EQ(out.get_flat(13), 13.0);
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [] { tf::layers::flatten(tf::placeholder(tf::float32, {5}), {.name = "f"}); }),
            "Input 0 of layer f is incompatible with the layer: expected min_ndim=2, found "
            "ndim=1. Full shape received: [5]");
}

}  // namespace
