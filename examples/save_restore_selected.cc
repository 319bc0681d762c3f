// "Select the required variables in TensorFlow and save / restore" (the seed
// author's related question): a feature extractor's variables are chosen by
// scope and saved alone; a new graph with a new head restores only them,
// while the head starts from its own initializers.
//
//   save_restore_selected [DIR]   (checkpoints go to DIR, default a temp folder)
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace fs = std::filesystem;

// x [batch, 4] -> encoder (scope "encoder") -> head (scope "head") [batch, 2].
void build(const tf::Tensor& x) {
  tf::Tensor h;
  {
    tf::variable_scope scope("encoder");
    h = tf::layers::dense(x, 8, {.activation = tf::nn::relu, .name = "dense"});
  }
  tf::variable_scope scope("head");
  tf::layers::dense(h, 2, {.name = "dense"});
}

// The global variables under `scope` (what tf.get_collection(key, scope) gives).
std::vector<tf::Variable> variables_in(const std::string& scope) {
  std::vector<tf::Variable> out;
  for (const tf::Variable& v : tf::global_variables())
    if (v.op().name().rfind(scope + "/", 0) == 0) out.push_back(v);
  return out;
}

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "keraspp_save_restore_selected";
  fs::create_directories(dir);
  np::Array saved_kernel;
  {  // "Train" the whole model (here: shift the encoder's kernel); save only the encoder.
    tf::Graph g;
    tf::Graph::DefaultGuard guard(g);
    build(tf::placeholder(tf::float32, {-1, 4}));
    tf::Session sess(g);
    sess.run(tf::global_variables_initializer());
    const std::vector<tf::Variable> encoder = variables_in("encoder");
    sess.run(encoder[0].assign_add(np::ones({4, 8})));
    tf::train::Saver saver(encoder);
    std::cout << "saved " << saver.save(sess, (dir / "encoder.ckpt").string(), 1) << ":\n";
    for (const auto& v : encoder) std::cout << "  " << v << '\n';
    saved_kernel = sess.run(encoder[0].value());
  }
  {  // A fresh graph: initialise everything, then restore the encoder over it.
    tf::Graph g;
    tf::Graph::DefaultGuard guard(g);
    build(tf::placeholder(tf::float32, {-1, 4}));
    tf::Session sess(g);
    sess.run(tf::global_variables_initializer());
    const std::optional<std::string> latest = tf::train::latest_checkpoint(dir.string());
    if (!latest) return std::cerr << "no checkpoint in " << dir << '\n', 1;
    tf::train::Saver(variables_in("encoder")).restore(sess, *latest);
    const bool same = np::array_equal(sess.run(variables_in("encoder")[0].value()), saved_kernel);
    std::cout << "restored " << *latest << " into " << variables_in("encoder").size()
              << " variables; head left as initialised (" << variables_in("head").size() << " variables)\n"
              << "encoder/dense/kernel " << (same ? "matches" : "DIFFERS FROM") << " the saved value\n";
    return same ? 0 : 1;
  }
}
