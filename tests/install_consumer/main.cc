// Builds a tiny graph with the installed library and checks the result.
#include <keraspp/np.h>
#include <keraspp/tf.h>

#include <cstdio>

int main() {
  auto x = tf::placeholder(tf::float32, {-1, 2});
  auto w = tf::Variable(tf::constant(np::Array({1.f, 2.f}).reshape({2, 1})), {.name = "w"});
  auto y = tf::matmul(x, w);
  tf::Session sess;
  sess.run(tf::global_variables_initializer());
  const float v = sess.run(y, {{x, np::Array({3.f, 4.f}).reshape({1, 2})}}).item<float>();
  std::printf("consumer: x.w = %g\n", v);
  return v == 11.f ? 0 : 1;
}
