// keras.utils.Progbar, as Keras 2.0.2's generic_utils.Progbar prints it, and
// the injectable output (stream, terminal or not, clock).
#include "keraspp/keras/progbar.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace keras::utils {

namespace {

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

ProgbarOutput default_output() {
  return {&std::cout, static_cast<bool>(::isatty(1)), &steady_seconds};
}

ProgbarOutput& current() {
  thread_local ProgbarOutput out = default_output();
  return out;
}

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Python's '%d' % float truncates toward zero.
std::string seconds(double s) { return std::to_string(static_cast<long long>(s)) + "s"; }

}  // namespace

const ProgbarOutput& progbar_output() { return current(); }

ScopedProgbarOutput::ScopedProgbarOutput(ProgbarOutput out) : saved_(current()) {
  ProgbarOutput d = default_output();
  if (!out.stream) out.stream = d.stream;
  if (!out.clock) out.clock = d.clock;
  current() = std::move(out);
}

ScopedProgbarOutput::~ScopedProgbarOutput() { current() = saved_; }

Progbar::Progbar(int64_t target, const ProgbarOptions& opts)
    : target_(target), opts_(opts), start_(progbar_output().clock()) {}

void Progbar::update(int64_t current_step, const Values& values, bool force) {
  // Each value is weighted by the steps since the last update (Keras adds
  // every (k, v) pair with the same weight before advancing seen_so_far).
  const int64_t steps = current_step - seen_so_far_;
  for (const auto& [k, v] : values) {
    size_t i = 0;
    while (i < unique_values_.size() && unique_values_[i] != k) ++i;
    if (i == unique_values_.size()) {
      unique_values_.push_back(k);
      sum_values_.push_back({v * static_cast<double>(steps), steps});
    } else {
      sum_values_[i].first += v * static_cast<double>(steps);
      sum_values_[i].second += steps;
    }
  }
  seen_so_far_ = current_step;

  const ProgbarOutput& out = progbar_output();
  std::ostream& os = *out.stream;
  const double now = out.clock();
  auto average = [&](size_t i) {
    return sum_values_[i].first / static_cast<double>(std::max<int64_t>(1, sum_values_[i].second));
  };

  if (opts_.verbose == 1) {
    const bool done = target_ != -1 && current_step >= target_;
    if (!force && (now - last_update_) < opts_.interval) return;
    // Not a terminal: no redraws, only the final line.
    if (!out.is_terminal && !done) return;

    const int64_t prev_total_width = total_width_;
    std::string text;
    if (out.is_terminal) {
      text.append(static_cast<size_t>(prev_total_width), '\b');
      text += '\r';
    }
    std::string bar;
    if (target_ != -1) {
      const int numdigits = target_ > 0 ? static_cast<int>(std::floor(std::log10(static_cast<double>(target_)))) + 1 : 1;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%*lld/%*lld [", numdigits, static_cast<long long>(current_step),
                    numdigits, static_cast<long long>(target_));
      bar = buf;
      const double prog = target_ > 0 ? static_cast<double>(current_step) / static_cast<double>(target_) : 1.0;
      const int prog_width = static_cast<int>(opts_.width * prog);
      if (prog_width > 0) {
        bar.append(static_cast<size_t>(prog_width - 1), '=');
        bar += current_step < target_ ? '>' : '=';
      }
      if (opts_.width - prog_width > 0) bar.append(static_cast<size_t>(opts_.width - prog_width), '.');
      bar += ']';
      total_width_ = static_cast<int64_t>(bar.size());
    }
    text += bar;

    const double time_per_unit = current_step ? (now - start_) / static_cast<double>(current_step) : 0.0;
    const double eta = time_per_unit * static_cast<double>(target_ - current_step);
    std::string info;
    if (current_step < target_ && target_ != -1)
      info += " - ETA: " + seconds(eta);
    else
      info += " - " + seconds(now - start_);
    for (size_t i = 0; i < unique_values_.size(); ++i) {
      info += " - " + unique_values_[i] + ":";
      const double avg = average(i);
      info += std::abs(avg) > 1e-3 ? format(" %.4f", avg) : format(" %.4e", avg);
    }
    total_width_ += static_cast<int64_t>(info.size());
    if (prev_total_width > total_width_)
      info.append(static_cast<size_t>(prev_total_width - total_width_), ' ');
    text += info;
    if (current_step >= target_) text += '\n';
    os << text << std::flush;
  } else if (opts_.verbose == 2) {
    if (current_step >= target_) {
      std::string info = seconds(now - start_);
      for (size_t i = 0; i < unique_values_.size(); ++i) {
        info += " - " + unique_values_[i] + ":";
        const double avg = average(i);
        // Keras 2.0.2 compares the signed value here.
        info += avg > 1e-3 ? format(" %.4f", avg) : format(" %.4e", avg);
      }
      os << info << '\n' << std::flush;
    }
  }
  last_update_ = now;
}

void Progbar::add(int64_t n, const Values& values) { update(seen_so_far_ + n, values); }

std::string python_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Shortest round-trip digits, then Python's layout: scientific when the
  // exponent is < -4 or >= 16, else positional with at least one decimal.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  const size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  const int exp = std::stoi(s.substr(e + 1));
  bool neg = false;
  if (!mant.empty() && mant[0] == '-') {
    neg = true;
    mant.erase(0, 1);
  }
  std::string digits;
  for (char ch : mant)
    if (ch != '.') digits += ch;
  std::string out;
  if (exp < -4 || exp >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else {
    const size_t int_len = static_cast<size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out = digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return neg ? "-" + out : out;
}

}  // namespace keras::utils
