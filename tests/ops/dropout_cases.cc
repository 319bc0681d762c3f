// Conformance cases: the fused dropout ops (src/ops/nn_dropout.cc). The
// forward op's reference rebuilds the mask from the Philox stream the op is
// specified to read -- key kDefaultGraphSeed, counter high word the op seed,
// blocks from 0 in a fresh session, 53-bit doubles -- so the float64 forward
// is checked value by value. Its float32 stream differs (24-bit floats, four
// per block): float32 is compared bit for bit with the composite graph in
// fused_dropout_test.cc instead.
#include <cmath>

#include "conformance.h"
#include "keraspp/np/philox.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;
using np::random::Philox4x32;

// x: any shape -> x / keep * floor(keep + u), u the float64 uniforms of
// stream (kDefaultGraphSeed, seed) from block 0, two per block.
np::Array dropout_reference(const np::Array& x, double keep, int64_t seed) {
  np::Array out = np::Array::empty(x.shape(), np::float64);
  for (int64_t i = 0; i < x.size(); ++i) {
    Philox4x32 g(tf::kDefaultGraphSeed, static_cast<uint64_t>(seed));
    g.seek(static_cast<uint64_t>(i / 2));
    const auto b = g.next();
    const size_t j = static_cast<size_t>(2 * (i % 2));
    const double u = Philox4x32::to_double(b[j], b[j + 1]);
    out.set_flat(i, x.get_flat(i) / keep * std::floor(keep + u));
  }
  return out;
}

Case fused_dropout_case(const std::string& label, np::Shape shape, double keep, int64_t seed) {
  return Case{.op = "_FusedDropout", .label = label, .input_shapes = {std::move(shape)},
              .build = [keep, seed](const V& in) {
                const tf::Tensor y = tf::nn::dropout(in[0], keep, {.seed = seed});
                if (y.op().type() != "_FusedDropout")
                  throw std::logic_error("dropout did not fuse: " + y.op().type());
                return Built{y};
              },
              .reference = [keep, seed](const A& x) { return dropout_reference(x[0], keep, seed); },
              .check_float32 = false};
}

// 35 elements: an odd count ends on half a block.
CONFORMANCE_CASE(fused_dropout_case("keep06", {5, 7}, 0.6, 17));
CONFORMANCE_CASE(fused_dropout_case("keep09_rank3", {2, 3, 4}, 0.9, 4));

// (dy, mask) -> dy * mask / keep_prob; mask fed as 0/1 values.
CONFORMANCE_CASE(Case{
    .op = "_FusedDropoutGrad", .input_shapes = {{3, 5}, {3, 5}},
    .build = [](const V& in) {
      return Built{tf::op_builder::create1("_FusedDropoutGrad", {in[0], in[1]}, {{"keep_prob", 0.7}},
                                           "FusedDropoutGrad")};
    },
    .reference = [](const A& x) { return map2(x[0], x[1], [](double g, double m) { return g * m / 0.7; }); },
    .inputs = [] {
      np::Array dy = np::Array::empty({3, 5}, np::float64), mask = np::Array::empty({3, 5}, np::float64);
      for (int64_t i = 0; i < 15; ++i) {
        dy.set_flat(i, 0.25 * static_cast<double>(i) - 1.6);
        mask.set_flat(i, i % 3 == 0 ? 0.0 : 1.0);
      }
      return A{dy, mask};
    }});

}  // namespace
}  // namespace conformance
