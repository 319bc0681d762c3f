// While and WhileGrad: run a loop's cond and body (or its body's gradient)
// through the step's nested plans (KernelContext::functions). Loop
// variables are handles to the previous iteration's results, so the body's
// pool recycles two sets of buffers and a fixed trip count allocates
// nothing in steady state; histories grow by doubling in the run's pool.
// The variables the body's pool made are donated back to the next
// iteration, whose last reader may update them in place.
#include <cstring>

#include "kernels/kernel.h"

namespace tf::kernels {

namespace {

std::string loop_name(const std::string& op_name) {
  const size_t slash = op_name.rfind('/');
  return slash == std::string::npos ? op_name : op_name.substr(0, slash);
}

// A loop variable's history (its value at the start of each iteration) or
// a saved value's (the body's draw in each iteration), stacked into output
// `out`, whose buffer doubles as the trip count grows.
class History {
 public:
  History(KernelContext& ctx, size_t var, int out, std::string what)
      : var(var), ctx_(ctx), out_(out), what_(std::move(what)) {}
  size_t var;  // the loop variable (or saved value) it records
  void append(const np::Array& v, int64_t row) {
    if (row == 0) {
      row_shape_ = v.shape();
      grow(v, 4);
    } else if (v.shape() != row_shape_) {
      throw errors::InvalidArgumentError(
          what_ + " " + std::to_string(var) + " of while loop '" + loop_name(ctx_.op_name()) +
          "' changes shape from " + np::shape_str(row_shape_) + " to " + np::shape_str(v.shape()) +
          " between iterations; its history cannot be kept for the gradient (build the loop with back_prop=false)");
    } else if (row == capacity_) {
      grow(v, 2 * capacity_);
    }
    std::memcpy(static_cast<char*>(buffer_.raw_data()) + static_cast<size_t>(row) * v.nbytes(), v.raw_data(), v.nbytes());
  }
  // The output: the first `rows` rows ([rows, ...row shape]); with no rows,
  // [0, ...initial's shape] (a saved value's row shape may be unknown: [0]).
  void finish(int64_t rows, const np::Shape& initial, np::DType dtype) {
    if (rows == 0) {
      np::Shape s = initial;
      s.insert(s.begin(), 0);
      ctx_.allocate_output(out_, s, dtype);
      return;
    }
    np::Shape s = row_shape_;
    s.insert(s.begin(), rows);
    ctx_.set_output(out_, np::Array(buffer_.storage(), 0, s, buffer_.dtype()), true);
  }

 private:
  void grow(const np::Array& v, int64_t capacity) {
    const np::Array old = buffer_;
    np::Shape s = v.shape();
    s.insert(s.begin(), capacity);
    buffer_ = ctx_.allocate_output(out_, s, v.dtype());
    if (capacity_ > 0) std::memcpy(buffer_.raw_data(), old.raw_data(), static_cast<size_t>(capacity_) * v.nbytes());
    capacity_ = capacity;
  }
  KernelContext& ctx_;
  int out_;
  std::string what_;
  np::Shape row_shape_;
  np::Array buffer_;
  int64_t capacity_ = 0;
};

void while_kernel(KernelContext& ctx) {
  const auto n_vars = static_cast<size_t>(ctx.attr<int64_t>("num_loop_vars"));
  const auto n_cond = static_cast<size_t>(ctx.attr<int64_t>("num_cond_captures"));
  const auto n_saved = static_cast<size_t>(ctx.attr<int64_t>("num_saved"));
  const int64_t max_iterations = ctx.attr<int64_t>("maximum_iterations");
  const std::string name = loop_name(ctx.op_name());
  std::vector<np::Array> vars(n_vars), results(n_vars + n_saved), cond_result(1);
  std::vector<bool> pooled(n_vars, false), result_pooled(n_vars + n_saved), cond_pooled(1);
  std::vector<const np::Array*> cond_args, body_args;
  std::vector<np::Array> donated(static_cast<size_t>(ctx.num_inputs() - static_cast<int>(n_cond)));
  for (size_t i = 0; i < n_vars; ++i) vars[i] = ctx.input(static_cast<int>(i));
  for (size_t i = 0; i < n_vars; ++i) cond_args.push_back(&vars[i]), body_args.push_back(&vars[i]);
  for (size_t i = n_vars; i < n_vars + n_cond; ++i) cond_args.push_back(&ctx.input(static_cast<int>(i)));
  for (int i = static_cast<int>(n_vars + n_cond); i < ctx.num_inputs(); ++i) body_args.push_back(&ctx.input(i));
  // Histories only when something (a gradient) reads them.
  std::vector<History> histories, saved;
  if (ctx.attr<bool>("back_prop")) {
    for (size_t i = 0; i < n_vars; ++i)
      if (ctx.output_wanted[n_vars + i]) histories.emplace_back(ctx, i, static_cast<int>(n_vars + i), "Loop variable");
    for (size_t j = 0; j < n_saved; ++j)
      if (ctx.output_wanted[2 * n_vars + j]) saved.emplace_back(ctx, j, static_cast<int>(2 * n_vars + j), "Saved value");
  }
  const std::string cond_context = "the condition of while loop '" + name + "'";
  const std::string body_context = "the body of while loop '" + name + "'";
  int64_t trips = 0;
  for (; max_iterations < 0 || trips < max_iterations; ++trips) {
    ctx.functions->call(0, cond_args, cond_result, cond_pooled, cond_context);
    if (cond_result[0].get_flat(0) == 0) break;
    for (History& h : histories) h.append(vars[h.var], trips);
    // The loop owns the variables the body's pool made (the previous
    // iteration's results): it hands them over, so a TensorArray write
    // updates its flow in place instead of copying it every iteration.
    for (size_t i = 0; i < n_vars; ++i)
      if (pooled[i]) donated[i] = std::move(vars[i]);
    ctx.functions->call(1, body_args, results, result_pooled, body_context, &donated);
    for (size_t i = 0; i < n_vars; ++i) vars[i] = std::move(results[i]), pooled[i] = result_pooled[i];
    for (History& h : saved) h.append(results[n_vars + h.var], trips);
    for (size_t j = n_vars; j < results.size(); ++j) results[j] = np::Array();
  }
  for (size_t i = 0; i < n_vars; ++i) ctx.set_output(static_cast<int>(i), std::move(vars[i]), pooled[i]);
  for (History& h : histories) {
    const np::Array& initial = ctx.input(static_cast<int>(h.var));
    h.finish(trips, initial.shape(), initial.dtype());
  }
  for (History& h : saved) h.finish(trips, {}, ctx.node().out_dtypes[2 * n_vars + h.var]);
}

template <class T> void accumulate(np::Array& acc, const np::Array& x) {
  T* a = acc.data<T>();
  const T* b = x.data<T>();
  for (int64_t i = 0, n = acc.size(); i < n; ++i) a[i] += b[i];
}

// Runs the body's gradient function for iterations n-1, ..., 0, each on the
// loop variables that iteration started with (rows of the histories).
void while_grad_kernel(KernelContext& ctx) {
  const auto n_vars = static_cast<size_t>(ctx.attr<int64_t>("num_loop_vars"));
  const auto& float_vars = ctx.attr<std::vector<int64_t>>("float_vars");
  const auto& float_caps = ctx.attr<std::vector<int64_t>>("float_captures");
  const auto n_saved = static_cast<size_t>(ctx.attr<int64_t>("num_saved"));
  const size_t n_grads = float_vars.size();
  const size_t n_caps = static_cast<size_t>(ctx.num_inputs()) - n_vars - n_grads - n_saved;
  const size_t first_saved = n_vars + n_caps + n_grads;
  const int64_t trips = ctx.input(0).shape().at(0);
  // rows: the loop variables' then the saved values' rows of iteration t.
  std::vector<np::Array> rows(n_vars + n_saved), grads(n_grads), results(n_grads + float_caps.size());
  std::vector<bool> grad_pooled(n_grads, false), result_pooled(results.size());
  std::vector<const np::Array*> args;
  for (size_t i = 0; i < n_vars; ++i) args.push_back(&rows[i]);
  for (size_t j = 0; j < n_caps; ++j) args.push_back(&ctx.input(static_cast<int>(n_vars + j)));
  for (size_t k = 0; k < n_grads; ++k) {
    grads[k] = ctx.input(static_cast<int>(n_vars + n_caps + k));
    args.push_back(&grads[k]);
  }
  for (size_t j = 0; j < n_saved; ++j) args.push_back(&rows[n_vars + j]);
  std::vector<np::Array*> sums;
  for (size_t c = 0; c < float_caps.size(); ++c) {
    const np::Array& cap = ctx.input(static_cast<int>(n_vars + static_cast<size_t>(float_caps[c])));
    np::Array& s = ctx.allocate_output(static_cast<int>(n_grads + c), cap.shape(), cap.dtype());
    std::memset(s.raw_data(), 0, s.nbytes());
    sums.push_back(&s);
  }
  const std::string context = "the gradient of the body of while loop '" + loop_name(ctx.op_name()) + "'";
  for (int64_t t = trips - 1; t >= 0; --t) {
    for (size_t i = 0; i < rows.size(); ++i) {
      const np::Array& h = ctx.input(static_cast<int>(i < n_vars ? i : first_saved + i - n_vars));
      const np::Shape row_shape(h.shape().begin() + 1, h.shape().end());
      const size_t row_bytes = h.nbytes() / static_cast<size_t>(trips);
      rows[i] = np::Array(h.storage(), h.byte_offset() + static_cast<size_t>(t) * row_bytes, row_shape, h.dtype());
    }
    ctx.functions->call(0, args, results, result_pooled, context);
    for (size_t k = 0; k < n_grads; ++k) grads[k] = std::move(results[k]), grad_pooled[k] = result_pooled[k];
    for (size_t c = 0; c < sums.size(); ++c) {
      const np::Array& r = results[n_grads + c];
      if (r.dtype() == np::float64) accumulate<double>(*sums[c], r);
      else accumulate<float>(*sums[c], r);
      results[n_grads + c] = np::Array();
    }
  }
  for (size_t k = 0; k < n_grads; ++k) ctx.set_output(static_cast<int>(k), std::move(grads[k]), grad_pooled[k]);
}

}  // namespace

KPP_REGISTER_KERNEL("While", "CPU", std::nullopt, while_kernel);
KPP_REGISTER_KERNEL("WhileGrad", "CPU", std::nullopt, while_grad_kernel);

}  // namespace tf::kernels
