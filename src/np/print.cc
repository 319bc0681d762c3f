// numpy's str() of arrays: one formatter per array sized from the elements
// shown (floats in numpy's default 'maxprec' mode, 8 digits), nested brackets,
// lines wrapped at 75 columns, summarised with "..." past 1000 elements.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <algorithm>
#include <memory>

#include "keraspp/np/array.h"

namespace np {

namespace {

constexpr int kPrecision = 8;      // digits after the point (mantissa digits in exp form)
constexpr int64_t kThreshold = 1000;  // summarise above this many elements
constexpr int64_t kEdgeItems = 3;  // items kept at each end of a summarised axis
constexpr int kLineWidth = 75;

// Shortest round-trip decimal of |x| in its own precision (float32 values get
// float32's shortest digits, as numpy prints them): value = d.ddd × 10^exp.
struct Decimal {
  std::string digits;
  int exp = 0;
};

Decimal shortest(double x, bool f32) {
  char buf[64];
  auto r = f32 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(std::fabs(x)),
                               std::chars_format::scientific)
               : std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::scientific);
  const std::string s(buf, r.ptr);
  const size_t e = s.find('e');
  Decimal d;
  for (size_t i = 0; i < e; ++i)
    if (s[i] != '.') d.digits += s[i];
  d.exp = std::stoi(s.substr(e + 1));
  return d;
}

std::string sign_of(double x) { return std::signbit(x) ? "-" : ""; }

void strip_zeros(std::string& frac) {
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
}

// Positional digits of x: the shortest unique digits, rounded to at most
// `prec` fractional digits; trailing zeros dropped. Returns {int part with
// sign, fraction}.
std::pair<std::string, std::string> positional(double x, bool f32, int prec) {
  const Decimal d = shortest(x, f32);
  const int nd = static_cast<int>(d.digits.size());
  std::string ip, fp;
  if (nd - 1 - d.exp <= prec) {
    if (d.exp < 0) {
      ip = "0";
      fp = std::string(-d.exp - 1, '0') + d.digits;
    } else {
      ip = d.digits.substr(0, std::min(nd, d.exp + 1));
      if (nd < d.exp + 1) ip += std::string(d.exp + 1 - nd, '0');
      if (nd > d.exp + 1) fp = d.digits.substr(d.exp + 1);
    }
    if (ip.empty()) ip = "0";
  } else {
    // Too many digits: round the exact binary value at the cut-off.
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", prec, std::fabs(x));
    const std::string s(buf);
    const size_t dot = s.find('.');
    ip = s.substr(0, dot);
    fp = dot == std::string::npos ? "" : s.substr(dot + 1);
  }
  strip_zeros(fp);
  return {sign_of(x) + ip, fp};
}

// Scientific digits of x: {int digit with sign, mantissa fraction, exponent}.
struct Sci {
  std::string ip, fp;
  int exp;
};

Sci scientific(double x, bool f32, int prec) {
  const Decimal d = shortest(x, f32);
  Sci s{sign_of(x) + d.digits.substr(0, 1), d.digits.substr(1), d.exp};
  if (static_cast<int>(s.fp.size()) > prec) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*e", prec, std::fabs(x));
    const std::string t(buf);
    const size_t e = t.find('e');
    s.ip = sign_of(x) + t.substr(0, 1);
    s.fp = prec > 0 ? t.substr(2, e - 2) : "";
    s.exp = std::stoi(t.substr(e + 1));
  }
  strip_zeros(s.fp);
  return s;
}

// "e+05": sign and at least `digits` digits (numpy pads to 2 at least).
std::string exp_str(int e, int digits) {
  std::string n = std::to_string(std::abs(e));
  if (static_cast<int>(n.size()) < digits) n.insert(0, digits - n.size(), '0');
  return std::string("e") + (e < 0 ? "-" : "+") + n;
}

std::string pad_left(const std::string& s, size_t w) {
  return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}

// One array's float format, fixed from the values it will print.
class FloatFormat {
 public:
  FloatFormat(const std::vector<double>& vals, bool f32) : f32_(f32) {
    std::vector<double> finite;
    double max_abs = 0, min_abs = INFINITY;
    bool neg_inf = false, any_nonfinite = false;
    for (double v : vals) {
      if (!std::isfinite(v)) {
        any_nonfinite = true;
        if (v < 0) neg_inf = true;
        continue;
      }
      finite.push_back(v);
      if (v != 0) {
        max_abs = std::max(max_abs, std::fabs(v));
        min_abs = std::min(min_abs, std::fabs(v));
      }
    }
    // Scientific when magnitudes are huge, tiny, or span more than 3 decades.
    if (max_abs > 0 && (max_abs >= 1e8 || min_abs < 1e-4 || max_abs / min_abs > 1000.0))
      exp_ = true;
    if (finite.empty()) {
      pad_left_ = pad_right_ = 0;
    } else if (exp_) {
      int exp_len = 0;
      for (double v : finite) {
        const Sci s = scientific(v, f32_, kPrecision);
        prec_ = std::max(prec_, static_cast<int>(s.fp.size()));
        pad_left_ = std::max(pad_left_, static_cast<int>(s.ip.size()));
        exp_len = std::max(exp_len, static_cast<int>(exp_str(s.exp, 2).size()) - 2);
      }
      exp_size_ = exp_len;
      pad_right_ = exp_size_ + 2 + prec_;
    } else {
      for (double v : finite) {
        const auto [ip, fp] = positional(v, f32_, kPrecision);
        pad_left_ = std::max(pad_left_, static_cast<int>(ip.size()));
        pad_right_ = std::max(pad_right_, static_cast<int>(fp.size()));
      }
    }
    // Widen so "nan" / "inf" / "-inf" fit the common column width.
    if (any_nonfinite) {
      const int offset = pad_right_ + 1;
      pad_left_ = std::max({pad_left_, 3 - offset, 3 + (neg_inf ? 1 : 0) - offset});
    }
  }

  std::string operator()(double x) const {
    const size_t width = static_cast<size_t>(pad_left_ + pad_right_ + 1);
    if (std::isnan(x)) return pad_left(std::string("nan"), width);
    if (std::isinf(x)) return pad_left(x < 0 ? "-inf" : "inf", width);
    if (exp_) {
      const Sci s = scientific(x, f32_, prec_);
      std::string fp = s.fp + std::string(prec_ - s.fp.size(), '0');
      return pad_left(s.ip, pad_left_) + "." + fp + exp_str(s.exp, exp_size_);
    }
    const auto [ip, fp] = positional(x, f32_, kPrecision);
    return pad_left(ip, pad_left_) + "." + fp + std::string(pad_right_ - fp.size(), ' ');
  }

 private:
  bool f32_;
  bool exp_ = false;
  int pad_left_ = 0, pad_right_ = 0, prec_ = 0, exp_size_ = 2;
};

// A float scalar as numpy's str(np.float64(x)): positional for 1e-4 <= |x| <
// 1e16 with at least one fractional digit ("1.0"), otherwise scientific
// without trailing zeros ("1e+16", "1.5e-05").
std::string float_scalar_str(double x, bool f32) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  const double ax = std::fabs(x);
  if (ax == 0 || (ax >= 1e-4 && ax < 1e16)) {
    auto [ip, fp] = positional(x, f32, 400);
    return ip + "." + (fp.empty() ? "0" : fp);
  }
  const Sci s = scientific(x, f32, 400);
  return s.ip + (s.fp.empty() ? "" : "." + s.fp) + exp_str(s.exp, 2);
}

std::string rstrip(const std::string& s) {
  size_t n = s.size();
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\n')) --n;
  return s.substr(0, n);
}

// Formats an array of ndim >= 1 and size > 0 the way numpy's _formatArray does.
class Printer {
 public:
  explicit Printer(const Array& a) : a_(a), nd_(a.ndim()), strides_(a.ndim(), 1) {
    for (int d = nd_ - 2; d >= 0; --d) strides_[d] = strides_[d + 1] * a.shape()[d + 1];
    summarize_ = a.size() > kThreshold;
    collect(0, 0);
    setup_format();
  }

  std::string str() { return rec(0, 0, " ", kLineWidth); }

 private:
  bool summarized_axis(int axis) const { return summarize_ && 2 * kEdgeItems < a_.shape()[axis]; }

  // Indices shown along `axis`: all, or the first and last kEdgeItems.
  std::vector<int64_t> shown(int axis) const {
    const int64_t len = a_.shape()[axis];
    std::vector<int64_t> idx;
    if (!summarized_axis(axis)) {
      for (int64_t i = 0; i < len; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      for (int64_t i = len - kEdgeItems; i < len; ++i) idx.push_back(i);
    }
    return idx;
  }

  // The formatter is sized from the printed elements only, as numpy's is.
  void collect(int axis, int64_t offset) {
    if (axis == nd_) {
      shown_.push_back(offset);
      return;
    }
    for (int64_t i : shown(axis)) collect(axis + 1, offset + i * strides_[axis]);
  }

  void setup_format() {
    if (is_floating(a_.dtype())) {
      std::vector<double> vals;
      for (int64_t off : shown_) vals.push_back(a_.get_flat(off));
      float_fmt_ = std::make_unique<FloatFormat>(vals, a_.dtype() == float32);
    } else if (a_.dtype() != bool_) {
      for (int64_t off : shown_) int_width_ = std::max(int_width_, int_str(off).size());
    }
  }

  std::string int_str(int64_t offset) const {
    if (a_.dtype() == int64)  // exact beyond 2^53, unlike the double of get_flat
      return std::to_string(static_cast<const int64_t*>(a_.raw_data())[offset]);
    return std::to_string(static_cast<int64_t>(a_.get_flat(offset)));
  }

  std::string element(int64_t offset) const {
    if (float_fmt_) return (*float_fmt_)(a_.get_flat(offset));
    if (a_.dtype() == bool_) return a_.get_flat(offset) != 0 ? " True" : "False";
    return pad_left(int_str(offset), int_width_);
  }

  // Appends `word` to `line`, first moving to a new line if it would pass
  // `width` (unless the line holds nothing but its indent).
  static void extend(std::string& s, std::string& line, const std::string& word, size_t width,
                     const std::string& indent) {
    if (line.size() + word.size() > width && line.size() > indent.size()) {
      s += rstrip(line) + "\n";
      line = indent;
    }
    line += word;
  }

  std::string rec(int axis, int64_t offset, const std::string& indent, int width) {
    if (axis == nd_) return element(offset);
    const std::string next_indent = indent + " ";
    const int next_width = width - 1;  // room for this level's closing ']'
    const int64_t len = a_.shape()[axis];
    const bool summary = summarized_axis(axis);
    const int64_t lead = summary ? kEdgeItems : 0, trail = summary ? kEdgeItems : len;
    auto child = [&](int64_t i) {
      return rec(axis + 1, offset + i * strides_[axis], next_indent, next_width);
    };
    std::string s;
    if (axis == nd_ - 1) {
      const size_t elem_width = static_cast<size_t>(width - 1);
      std::string line = indent;
      for (int64_t i = 0; i < lead; ++i) {
        extend(s, line, child(i), elem_width, indent);
        line += " ";
      }
      if (summary) {
        extend(s, line, "...", elem_width, indent);
        line += " ";
      }
      for (int64_t i = trail; i > 1; --i) {
        extend(s, line, child(len - i), elem_width, indent);
        line += " ";
      }
      extend(s, line, child(len - 1), elem_width, indent);
      s += line;
    } else {
      // Rows of an n-d block are separated by ndim - axis - 1 newlines.
      const std::string sep(static_cast<size_t>(nd_ - axis - 1), '\n');
      for (int64_t i = 0; i < lead; ++i) s += indent + child(i) + sep;
      if (summary) s += indent + "..." + sep;
      for (int64_t i = trail; i > 1; --i) s += indent + child(len - i) + sep;
      s += indent + child(len - 1);
    }
    return "[" + s.substr(indent.size()) + "]";
  }

  const Array& a_;
  int nd_;
  std::vector<int64_t> strides_;  // C-order strides in elements, per axis
  bool summarize_ = false;
  std::vector<int64_t> shown_;  // flat offsets of the printed elements
  std::unique_ptr<FloatFormat> float_fmt_;
  size_t int_width_ = 0;
};

}  // namespace

std::string array_str(const Array& a) {
  if (a.ndim() == 0) {
    if (a.empty_storage()) return "[]";
    if (is_floating(a.dtype())) return float_scalar_str(a.get_flat(0), a.dtype() == float32);
    if (a.dtype() == bool_) return a.get_flat(0) != 0 ? "True" : "False";
    if (a.dtype() == int64) return std::to_string(*a.data<int64_t>());
    return std::to_string(static_cast<int64_t>(a.get_flat(0)));
  }
  if (a.size() == 0) return "[]";
  return Printer(a).str();
}

std::ostream& operator<<(std::ostream& os, const Array& a) { return os << array_str(a); }

}  // namespace np
