// Keras's examples/addition_rnn.py (Keras 2.0.x): a sequence-to-sequence
// model learns to add two numbers of up to 3 digits given as text
// ("535+61" -> "596"). Input: the question padded to 7 characters and
// reversed (Keras's INVERT); an LSTM(128) encoder, RepeatVector(4), an
// LSTM(128) decoder returning sequences, TimeDistributed(Dense(12)) and
// softmax, trained with Adam on categorical cross-entropy; accuracy is per
// character. Keras's program runs 199 iterations of one epoch each.
//
//   addition_rnn [--epochs N] [--samples N] [--batch-size N] [--verbose 0|1|2]
//                [--min-accuracy A]
//
// --samples: the number of distinct questions (Keras: 50,000; 10% held out
// for validation). --min-accuracy makes the exit status 1 when the last
// validation accuracy is lower (CI's short run). Each epoch prints 10
// validation questions with the model's answers, as Keras's loop does.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <utility>

#include "keraspp/keras.h"
#include "keraspp/np.h"

namespace L = keras::layers;
using keras::models::Sequential;

namespace {

constexpr int kDigits = 3;
constexpr int kMaxLen = kDigits + 1 + kDigits;
constexpr int kHiddenSize = 128;
const std::string kChars = "0123456789+ ";

struct Args {
  int epochs = 199, batch_size = 128, verbose = 1;
  int64_t samples = 50000;
  double min_accuracy = -1;
};

// Keras's CharacterTable: one-hot rows of `kChars` and back.
struct CharacterTable {
  int64_t index(char c) const { return static_cast<int64_t>(kChars.find(c)); }
  // Writes the one-hot encoding of s into x[row] ([rows, len(s), chars]).
  void encode(const std::string& s, np::Array& x, int64_t row) const {
    const int64_t n = static_cast<int64_t>(kChars.size()), len = static_cast<int64_t>(s.size());
    for (int64_t t = 0; t < len; ++t) x.set_flat((row * len + t) * n + index(s[static_cast<size_t>(t)]), 1.0);
  }
  // The characters of the largest entries of x[row] ([rows, len, chars]).
  std::string decode(const np::Array& x, int64_t row) const {
    const int64_t len = x.shape(1), n = x.shape(2);
    std::string s;
    for (int64_t t = 0; t < len; ++t) {
      int64_t best = 0;
      for (int64_t j = 1; j < n; ++j)
        if (x.get_flat((row * len + t) * n + j) > x.get_flat((row * len + t) * n + best)) best = j;
      s += kChars[static_cast<size_t>(best)];
    }
    return s;
  }
};

// A number of 1 to kDigits random digits.
int64_t random_number() {
  const int64_t digits = np::random::randint(1, kDigits + 1).get_flat(0);
  int64_t v = 0;
  for (int64_t i = 0; i < digits; ++i) v = v * 10 + static_cast<int64_t>(np::random::randint(0, 10).get_flat(0));
  return v;
}

struct Data {
  np::Array x_train, y_train, x_val, y_val;
  std::vector<std::string> val_questions, val_answers;
};

Data generate(int64_t samples, const CharacterTable& table) {
  std::cout << "Generating data...\n";
  std::vector<std::string> questions, expected;
  std::set<std::pair<int64_t, int64_t>> seen;
  while (static_cast<int64_t>(questions.size()) < samples) {
    const int64_t a = random_number(), b = random_number();
    // Skip any addition questions we've already seen; also skip x+Y when Y+x was seen.
    if (!seen.insert({std::min(a, b), std::max(a, b)}).second) continue;
    std::string q = std::to_string(a) + "+" + std::to_string(b);
    q += std::string(static_cast<size_t>(kMaxLen) - q.size(), ' ');
    std::string ans = std::to_string(a + b);
    ans += std::string(static_cast<size_t>(kDigits + 1) - ans.size(), ' ');
    questions.emplace_back(q.rbegin(), q.rend());  // reversed
    expected.push_back(ans);
  }
  std::cout << "Total addition questions: " << questions.size() << "\nVectorization...\n";
  const int64_t n = samples, chars = static_cast<int64_t>(kChars.size());
  np::Array x = np::zeros({n, kMaxLen, chars}, np::float32), y = np::zeros({n, kDigits + 1, chars}, np::float32);
  // Shuffled, as Keras shuffles (x, y) together before the split.
  const np::Array order = np::random::permutation(n);
  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(order.get_flat(i));
    table.encode(questions[k], x, i);
    table.encode(expected[k], y, i);
  }
  // Explicitly set apart 10% for validation data that we never train over.
  const int64_t split = n - n / 10;
  auto rows = [](const np::Array& a, int64_t r0, int64_t r1) {
    np::Shape s = a.shape();
    s[0] = r1 - r0;
    const int64_t row = a.size() / a.shape(0);
    np::Array out = np::Array::empty(s, a.dtype());
    for (int64_t i = 0; i < (r1 - r0) * row; ++i) out.set_flat(i, a.get_flat(r0 * row + i));
    return out;
  };
  Data d{rows(x, 0, split), rows(y, 0, split), rows(x, split, n), rows(y, split, n), {}, {}};
  for (int64_t i = split; i < n; ++i) {
    const auto k = static_cast<size_t>(order.get_flat(i));
    d.val_questions.push_back(questions[k]);
    d.val_answers.push_back(expected[k]);
  }
  std::cout << "Training Data:\n" << np::shape_str(d.x_train.shape()) << '\n' << np::shape_str(d.y_train.shape())
            << "\nValidation Data:\n" << np::shape_str(d.x_val.shape()) << '\n' << np::shape_str(d.y_val.shape()) << '\n';
  return d;
}

Sequential build_model() {
  std::cout << "Build model...\n";
  Sequential model;
  // "Encode" the input sequence using an RNN, producing an output of HIDDEN_SIZE.
  model.add(L::LSTM(kHiddenSize, {.input_shape = {kMaxLen, static_cast<int64_t>(kChars.size())}}));
  // As the decoder RNN's input, repeatedly provide the last hidden state of
  // the RNN for each time step: repeat 'DIGITS + 1' times.
  model.add(L::RepeatVector(kDigits + 1));
  // The decoder RNN (one layer): return all outputs, (num_samples, timesteps, output_dim).
  model.add(L::LSTM(kHiddenSize, {.return_sequences = true}));
  // Apply a dense layer to every temporal slice of the input.
  model.add(L::TimeDistributed(L::Dense(static_cast<int64_t>(kChars.size()))));
  model.add(L::Activation("softmax"));
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  model.summary();
  return model;
}

[[noreturn]] void usage() {
  std::cerr << "usage: addition_rnn [--epochs N] [--samples N] [--batch-size N] [--verbose 0|1|2]"
               " [--min-accuracy A]\n";
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage();
    char* end = nullptr;
    const double v = std::strtod(argv[i + 1], &end);
    if (*end != '\0' || v < 0) usage();
    if (flag == "--epochs") a.epochs = static_cast<int>(v);
    else if (flag == "--samples") a.samples = static_cast<int64_t>(v);
    else if (flag == "--batch-size") a.batch_size = static_cast<int>(v);
    else if (flag == "--verbose") a.verbose = static_cast<int>(v);
    else if (flag == "--min-accuracy") a.min_accuracy = v;
    else usage();
  }
  if (a.samples < 20 || a.samples > 500000) usage();  // 3-digit sums have ~500k distinct questions
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  try {
    np::random::seed(1337);
    const CharacterTable table;
    const Data d = generate(args.samples, table);
    Sequential model = build_model();
    double val_acc = 0;
    // Train the model each generation and show predictions against the validation dataset.
    for (int iteration = 1; iteration <= args.epochs; ++iteration) {
      std::cout << "\n" << std::string(50, '-') << "\nIteration " << iteration << '\n';
      const auto h =
          model.fit(d.x_train, d.y_train, {.batch_size = args.batch_size, .epochs = 1, .verbose = args.verbose,
                                           .validation_data = {{d.x_val, d.y_val}}});
      val_acc = h.history.at("val_acc").back();
      // Select 10 samples from the validation set at random so we can visualize errors.
      const np::Array preds = model.predict(d.x_val, {.batch_size = args.batch_size});
      for (int i = 0; i < 10; ++i) {
        const int64_t ind = np::random::randint(0, static_cast<int64_t>(d.val_questions.size())).get_flat(0);
        const std::string& q = d.val_questions[static_cast<size_t>(ind)];
        const std::string& correct = d.val_answers[static_cast<size_t>(ind)];
        const std::string guess = table.decode(preds, ind);
        std::cout << "Q " << std::string(q.rbegin(), q.rend()) << "\nT " << correct << '\n'
                  << (correct == guess ? "☑ " : "☒ ") << guess << '\n' << "---\n";
      }
    }
    std::printf("Final validation accuracy: %.4f\n", val_acc);
    if (args.min_accuracy >= 0 && val_acc < args.min_accuracy) {
      std::printf("FAILED: validation accuracy %.4f is below %.4f\n", val_acc, args.min_accuracy);
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "addition_rnn: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
