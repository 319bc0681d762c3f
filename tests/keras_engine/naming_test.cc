// Golden tests of the seed's naming scenarios: Keras layers inside TF scopes
// (program 2) and the naming experiment (program 4) printing exactly the
// variable list at the end of the seed.
#include <gtest/gtest.h>

#include <sstream>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/layers/core.h"
#include "keraspp/losses/losses.h"
#include "keraspp/tf.h"
#include "keraspp/variables/variable_scope.h"

namespace K = keras::backend;
namespace L = keras::layers;

namespace {

class NamingTest : public ::testing::Test {
 protected:
  void SetUp() override { K::clear_session(); }
  void TearDown() override { K::clear_session(); }
};

std::string variable_list() {
  std::ostringstream os;
  for (const tf::Variable& v : tf::global_variables()) os << v << '\n';
  return os.str();
}

tf::Tensor mlp_model_keras(const tf::Tensor& input, bool reuse) {
  tf::variable_scope scope("mlp_model", {.reuse = reuse});
  auto x = L::Dense(512, {.activation = "relu", .name = "my_dense1"})(input);
  x = L::Dense(512, {.activation = "relu", .name = "my_dense2"})(x);
  return L::Dense(10, {.activation = "softmax", .name = "my_softmax"})(x);
}

tf::Tensor mlp_model_by_layers(const tf::Tensor& input, bool reuse) {
  tf::variable_scope scope("mlp_by_tflayers", {.reuse = reuse});
  auto net = tf::layers::dense(input, 512, {.activation = tf::nn::relu, .name = "his_dense1"});
  net = tf::layers::dense(net, 512, {.activation = tf::nn::relu, .name = "his_dense2"});
  return tf::layers::dense(net, 10, {.name = "his_dense3"});
}

TEST_F(NamingTest, SeedNamingExperimentVariableList) {
  tf::Tensor x = tf::placeholder(tf::float32, {-1, 784});
  tf::Tensor y1 = mlp_model_keras(x, false);
  tf::Tensor y2 = mlp_model_keras(x, true);
  tf::Tensor y3 = mlp_model_by_layers(x, false);
  tf::Tensor y4 = mlp_model_by_layers(x, true);
  {
    tf::Session sess;
    sess.run(tf::global_variables_initializer());
  }
  EXPECT_EQ(variable_list(),
            "<tf.Variable 'mlp_model/my_dense1/kernel:0' shape=(784, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/my_dense1/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/my_dense2/kernel:0' shape=(512, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/my_dense2/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/my_softmax/kernel:0' shape=(512, 10) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/my_softmax/bias:0' shape=(10,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model_1/my_dense1/kernel:0' shape=(784, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model_1/my_dense1/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model_1/my_dense2/kernel:0' shape=(512, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model_1/my_dense2/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model_1/my_softmax/kernel:0' shape=(512, 10) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model_1/my_softmax/bias:0' shape=(10,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_by_tflayers/his_dense1/kernel:0' shape=(784, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_by_tflayers/his_dense1/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_by_tflayers/his_dense2/kernel:0' shape=(512, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_by_tflayers/his_dense2/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_by_tflayers/his_dense3/kernel:0' shape=(512, 10) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_by_tflayers/his_dense3/bias:0' shape=(10,) dtype=float32_ref>\n");
  // Keras's ops follow the (uniquified) name scopes too.
  EXPECT_EQ(y1.op().name(), "mlp_model/my_softmax/Softmax");
  EXPECT_EQ(y2.op().name(), "mlp_model_1/my_softmax/Softmax");
}

TEST_F(NamingTest, KerasLayersInATfGraphWithAdagradSlots) {
  tf::Tensor x = tf::placeholder(tf::float32, {-1, 784});
  tf::Tensor y_ = tf::placeholder(tf::float32, {-1, 10});
  tf::Tensor y_pred;
  {
    tf::variable_scope scope("mlp_model");
    auto h = L::Dense(512, {.activation = "relu"})(x);
    h = L::Dropout(0.2)(h);
    h = L::Dense(512, {.activation = "relu"})(h);
    h = L::Dropout(0.2)(h);
    y_pred = L::Dense(10, {.activation = "softmax"})(h);
  }
  EXPECT_EQ(y_pred.op().name(), "mlp_model/dense_3/Softmax");
  std::ostringstream t;
  t << y_pred;
  EXPECT_EQ(t.str(), "Tensor(\"mlp_model/dense_3/Softmax:0\", shape=(?, 10), dtype=float32)");
  tf::Tensor loss = tf::losses::softmax_cross_entropy(y_, y_pred);
  tf::train::AdagradOptimizer(0.05).minimize(loss);
  EXPECT_EQ(variable_list(),
            "<tf.Variable 'mlp_model/dense_1/kernel:0' shape=(784, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_1/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_2/kernel:0' shape=(512, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_2/bias:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_3/kernel:0' shape=(512, 10) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_3/bias:0' shape=(10,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_1/kernel/Adagrad:0' shape=(784, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_1/bias/Adagrad:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_2/kernel/Adagrad:0' shape=(512, 512) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_2/bias/Adagrad:0' shape=(512,) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_3/kernel/Adagrad:0' shape=(512, 10) dtype=float32_ref>\n"
            "<tf.Variable 'mlp_model/dense_3/bias/Adagrad:0' shape=(10,) dtype=float32_ref>\n");
}

TEST_F(NamingTest, AutoNameCountersRunPerClassAndResetWithClearSession) {
  std::vector<std::string> names;
  for (const L::Layer& l : std::vector<L::Layer>{L::Dense(1), L::Dense(1), L::Activation("relu"),
                                                 L::Dropout(0.1), L::Dense(1), L::Dropout(0.1)})
    names.push_back(l.name());
  EXPECT_EQ(names, (std::vector<std::string>{"dense_1", "dense_2", "activation_1", "dropout_1",
                                             "dense_3", "dropout_2"}));
  keras::models::Sequential s1, s2;
  EXPECT_EQ(s1.name(), "sequential_1");
  EXPECT_EQ(s2.name(), "sequential_2");
  K::clear_session();
  EXPECT_EQ(L::Dense(1).name(), "dense_1");
  EXPECT_EQ(keras::models::Sequential().name(), "sequential_1");
  // Another graph keeps its own counters.
  tf::Graph g;
  {
    auto guard = g.as_default();
    EXPECT_EQ(L::Dense(1).name(), "dense_1");
  }
  EXPECT_EQ(L::Dense(1).name(), "dense_2");
}

TEST_F(NamingTest, WeightsAreTfVariablesNotGetVariable) {
  tf::Tensor x = tf::placeholder(tf::float32, {-1, 4});
  {
    tf::variable_scope scope("outer");
    tf::name_scope inner("inner");
    L::Dense(2, {.name = "d"})(x);
  }
  auto vars = tf::global_variables();
  ASSERT_EQ(vars.size(), 2u);
  EXPECT_EQ(vars[0].name(), "outer/inner/d/kernel:0");
  // get_variable under the same variable scope does not see Keras weights.
  tf::variable_scope scope("outer", {.reuse = true});
  EXPECT_THROW(tf::get_variable("d/kernel"), keraspp::ValueError);
}

}  // namespace
