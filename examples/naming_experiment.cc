// The seed's program 4: how Keras layers and tf::layers name (and share)
// variables. The same MLP is built four times:
//   1. Keras Dense layers named my_dense1.. under variable_scope("mlp_model");
//   2. the same under variable_scope("mlp_model", reuse=true): Keras ignores
//      reuse and creates new variables under the uniquified "mlp_model_1";
//   3. tf::layers::dense named his_dense1.. under variable_scope("mlp_by_tflayers");
//   4. the same with reuse=true: the variables of 3 are reused, none is new.
// It prints the global variables, which are exactly the seed's list.
#include <iostream>

#include "keraspp/keras.h"
#include "keraspp/layers/core.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"
#include "keraspp/variables/variable_scope.h"

namespace {

tf::Tensor mlp_model_keras1(const tf::Tensor& input) {
  tf::variable_scope scope("mlp_model");
  auto x = keras::layers::Dense(512, {.activation = "relu", .name = "my_dense1"})(input);
  x = keras::layers::Dense(512, {.activation = "relu", .name = "my_dense2"})(x);
  return keras::layers::Dense(10, {.activation = "softmax", .name = "my_softmax"})(x);
}

tf::Tensor mlp_model_keras2(const tf::Tensor& input) {
  tf::variable_scope scope("mlp_model", {.reuse = true});
  auto x = keras::layers::Dense(512, {.activation = "relu", .name = "my_dense1"})(input);
  x = keras::layers::Dense(512, {.activation = "relu", .name = "my_dense2"})(x);
  return keras::layers::Dense(10, {.activation = "softmax", .name = "my_softmax"})(x);
}

tf::Tensor mlp_model_by_layers1(const tf::Tensor& input) {
  tf::variable_scope scope("mlp_by_tflayers");
  auto net = tf::layers::dense(input, 512, {.activation = tf::nn::relu, .name = "his_dense1"});
  net = tf::layers::dense(net, 512, {.activation = tf::nn::relu, .name = "his_dense2"});
  return tf::layers::dense(net, 10, {.name = "his_dense3"});
}

tf::Tensor mlp_model_by_layers2(const tf::Tensor& input) {
  tf::variable_scope scope("mlp_by_tflayers", {.reuse = true});
  auto net = tf::layers::dense(input, 512, {.activation = tf::nn::relu, .name = "his_dense1"});
  net = tf::layers::dense(net, 512, {.activation = tf::nn::relu, .name = "his_dense2"});
  return tf::layers::dense(net, 10, {.name = "his_dense3"});
}

}  // namespace

int main() {
  try {
    const np::Array fake_data = np::ones({10, 784}, np::float32) * 0.5f;
    auto x = tf::placeholder(tf::float32, {-1, 784});

    // define TF graph
    auto y_pred1 = mlp_model_keras1(x);
    auto y_pred2 = mlp_model_keras2(x);
    auto y_pred3 = mlp_model_by_layers1(x);
    auto y_pred4 = mlp_model_by_layers2(x);

    auto init = tf::global_variables_initializer();
    {
      tf::Session sess;
      sess.run(init);
      // The four models run on the fake batch: the reusing tf::layers model
      // computes exactly what the third one does.
      auto out = sess.run({y_pred1, y_pred2, y_pred3, y_pred4}, {{x, fake_data}});
      if (!np::array_equal(out[2], out[3])) {
        std::cerr << "error: the reusing tf::layers model does not share variables\n";
        return 1;
      }
    }

    std::cout << "variables:\n";
    for (const tf::Variable& v : tf::global_variables()) std::cout << v << '\n';
    keras::backend::clear_session();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}
