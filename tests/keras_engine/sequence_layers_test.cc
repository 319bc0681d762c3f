// Embedding and the merge layers: auto names, output shapes, configs,
// summary rows, values, masks and Keras's errors; and the K:: sequence
// functions.
#include <gtest/gtest.h>

#include <sstream>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace {

namespace K = keras::backend;
namespace L = keras::layers;
using keras::models::Model;
using keras::models::Sequential;

class SequenceLayers : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(1337);
  }
  void TearDown() override { K::clear_session(); }
};

template <class E, class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

np::Array floats(const std::vector<float>& v, const np::Shape& s) { return np::Array::from_vector(v, s); }

TEST_F(SequenceLayers, EmbeddingShapesConfigAndSummary) {
  Sequential model;
  model.add(L::Embedding(10, 4, {.input_length = 5}));
  model.add(L::Flatten());
  const L::Layer emb = model.layers()[0];
  EXPECT_EQ(emb.name(), "embedding_1");
  EXPECT_EQ(model.inputs()[0].dtype(), tf::int32);
  EXPECT_EQ(model.outputs()[0].shape(), tf::TensorShape({-1, 20}));
  ASSERT_EQ(emb.weights().size(), 1u);
  EXPECT_EQ(emb.weights()[0].name(), "embedding_1/embeddings:0");
  const keras::Config c = emb.impl().get_config();
  EXPECT_EQ(c.at("input_dim").dump(), "10");
  EXPECT_EQ(c.at("output_dim").dump(), "4");
  EXPECT_EQ(c.at("mask_zero").dump(), "false");
  EXPECT_EQ(c.at("input_length").dump(), "5");
  EXPECT_EQ(c.at("dtype").dump(), "\"int32\"");
  EXPECT_EQ(c.at("embeddings_initializer").at("class_name").dump(), "\"RandomUniform\"");
  std::ostringstream os;
  model.summary(os);
  EXPECT_NE(os.str().find("embedding_1 (Embedding)      (None, 5, 4)              40        \n"), std::string::npos)
      << os.str();
}

TEST_F(SequenceLayers, EmbeddingLooksUpRowsAndMasksZero) {
  tf::Tensor ids = L::Input({.shape = {3}, .dtype = "int32"});
  L::Embedding emb(6, 2, {.mask_zero = true});
  tf::Tensor out = emb(ids);
  EXPECT_EQ(out.shape(), tf::TensorShape({-1, 3, 2}));
  const np::Array table = floats({0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}, {6, 2});
  emb.set_weights({table});
  const tf::Tensor mask = emb.inbound_nodes().at(0)->output_masks.at(0);
  ASSERT_TRUE(static_cast<bool>(mask));
  tf::Session s = K::get_session();
  const auto got = s.run({out, mask}, {{ids, np::Array::from_vector(std::vector<int32_t>{5, 0, 2}, {1, 3})}});
  const std::vector<double> rows = {5, 5, 0, 0, 2, 2};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(got[0].get_flat(i), rows[static_cast<size_t>(i)]);
  EXPECT_EQ(got[1].get_flat(0), 1);
  EXPECT_EQ(got[1].get_flat(1), 0);
  EXPECT_EQ(got[1].get_flat(2), 1);
}

TEST_F(SequenceLayers, ElementwiseMergesAndTheirFunctionalForms) {
  tf::Tensor a = L::Input({.shape = {2}, .name = "a"});
  tf::Tensor b = L::Input({.shape = {2}, .name = "b"});
  const std::vector<tf::Tensor> outs = {L::add({a, b}), L::subtract({a, b}), L::multiply({a, b}),
                                        L::average({a, b}), L::maximum({a, b}),
                                        L::concatenate({a, b}), L::dot({a, b}, {1, 1})};
  EXPECT_EQ(outs[0].name().rfind("add_1/", 0), 0u) << outs[0].name();
  EXPECT_EQ(outs[5].shape(), tf::TensorShape({-1, 4}));
  EXPECT_EQ(outs[6].shape(), tf::TensorShape({-1, 1}));
  tf::Session s = K::get_session();
  const auto got = s.run(outs, {{a, floats({1, -2}, {1, 2})}, {b, floats({3, 5}, {1, 2})}});
  const std::vector<std::vector<double>> want = {{4, 3}, {-2, -7}, {3, -10}, {2, 1.5}, {3, 5}, {1, -2, 3, 5}, {-7}};
  for (size_t k = 0; k < want.size(); ++k)
    for (size_t i = 0; i < want[k].size(); ++i)
      EXPECT_EQ(got[k].get_flat(static_cast<int64_t>(i)), want[k][i]) << k << " " << i;
}

TEST_F(SequenceLayers, TwoInputsMergedByConcatenateAndTwoOutputs) {
  tf::Tensor a = L::Input({.shape = {3}, .name = "a"});
  tf::Tensor b = L::Input({.shape = {5}, .name = "b"});
  tf::Tensor merged = L::concatenate({a, b});
  tf::Tensor out1 = L::Dense(1, {.name = "out1"})(merged);
  tf::Tensor out2 = L::Dense(2, {.name = "out2"})(merged);
  Model model({a, b}, {out1, out2});
  std::ostringstream os;
  model.summary(os);
  EXPECT_NE(os.str().find("concatenate_1 (Concatenate)      (None, 8)             0           a[0][0]"),
            std::string::npos)
      << os.str();
  const tf::Tensor x = L::Input({.shape = {2}});
  EXPECT_EQ(error_of<keraspp::ValueError>([&] { L::concatenate({a, L::Input({.shape = {3, 1}})}); }),
            "`Concatenate` layer requires inputs with matching shapes except for the concat axis. Got "
            "inputs shapes: [(None, 3), (None, 3, 1)]");
  EXPECT_EQ(error_of<keraspp::ValueError>([&] { L::Add()(std::vector<tf::Tensor>{x}); }),
            "A merge layer should be called on a list of at least 2 inputs. Got 1 inputs.");
  EXPECT_EQ(error_of<keraspp::ValueError>([&] { L::dot({a, b}, {1, 1}); }),
            "Dimension incompatibility 3 != 5. Layer shapes: (None, 3), (None, 5)");
  EXPECT_EQ(error_of<keraspp::ValueError>([&] { L::add({a, b}); }),
            "Operands could not be broadcast together with shapes (None, 3) (None, 5)");
}

TEST_F(SequenceLayers, DotOfSequencesAndConfig) {
  tf::Tensor a = L::Input({.shape = {2, 3}});
  tf::Tensor b = L::Input({.shape = {4, 3}});
  L::Dot dot({2, 2});
  tf::Tensor out = dot({a, b})[0];
  EXPECT_EQ(out.shape(), tf::TensorShape({-1, 2, 4}));
  EXPECT_EQ(dot.impl().get_config().at("axes").dump(), "[2,2]");
  np::Array av = np::Array::empty({1, 2, 3}, np::float32), bv = np::Array::empty({1, 4, 3}, np::float32);
  for (int64_t i = 0; i < av.size(); ++i) av.set_flat(i, static_cast<double>(i));
  for (int64_t i = 0; i < bv.size(); ++i) bv.set_flat(i, static_cast<double>(i % 5) - 1);
  const np::Array got = K::get_session().run(out, {{a, av}, {b, bv}});
  for (int n = 0; n < 2; ++n)
    for (int m = 0; m < 4; ++m) {
      double want = 0;
      for (int k = 0; k < 3; ++k) want += av.get_flat(n * 3 + k) * bv.get_flat(m * 3 + k);
      EXPECT_EQ(got.get_flat(n * 4 + m), want);
    }
}

TEST_F(SequenceLayers, BackendSequenceFunctions) {
  const tf::Tensor x = tf::constant(floats({1, 2, 3, 4, 5, 6}, {2, 3}));
  const tf::Tensor ids = tf::constant(np::Array::from_vector(std::vector<int32_t>{1, 1, 0}, {3}));
  const auto got = K::get_session().run({K::gather(x, ids), K::one_hot(ids, 3), K::tile(x, {1, 2}),
                                         K::reverse(x, {1}), K::squeeze(K::expand_dims(x, 1), 1),
                                         K::stack({x, x}, 1), K::batch_dot(x, x)});
  EXPECT_EQ(got[0].shape(), (np::Shape{3, 3}));
  EXPECT_EQ(got[0].get_flat(0), 4);
  EXPECT_EQ(got[1].get_flat(1), 1);
  EXPECT_EQ(got[1].get_flat(6), 1);
  EXPECT_EQ(got[2].shape(), (np::Shape{2, 6}));
  EXPECT_EQ(got[2].get_flat(4), 2);
  EXPECT_EQ(got[3].get_flat(0), 3);
  EXPECT_EQ(got[4].shape(), (np::Shape{2, 3}));
  EXPECT_EQ(got[5].shape(), (np::Shape{2, 2, 3}));
  EXPECT_EQ(got[6].shape(), (np::Shape{2, 1}));
  EXPECT_EQ(got[6].get_flat(1), 16 + 25 + 36);
}

}  // namespace
