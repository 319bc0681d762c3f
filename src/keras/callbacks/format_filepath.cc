// Python's str.format for ModelCheckpoint's filepath templates
// ("weights.{epoch:02d}-{val_loss:.2f}.h5"): named fields with Python's
// format-spec mini-language for an int (epoch) and floats (the logs).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "keraspp/errors.h"
#include "keraspp/keras/callbacks.h"
#include "keraspp/keras/progbar.h"

namespace keras::callbacks {

namespace {

using keraspp::LookupError;
using keraspp::ValueError;

// A width or precision this large is no file name: refuse it rather than
// allocate what the template asks for.
constexpr int kMaxFieldWidth = 4096;

// [[fill]align][sign][#][0][width][.precision][type]
struct FormatSpec {
  char fill = ' ';
  char align = 0;  // 0: Python's default for numbers, right ('>')
  char sign = '-';
  bool alternate = false;
  int width = 0;
  int precision = -1;  // -1: none given
  char type = 0;       // 0: none given
};

bool is_align(char c) { return c == '<' || c == '>' || c == '=' || c == '^'; }

[[noreturn]] void invalid_spec(const std::string& spec, const char* type_name) {
  throw ValueError("Invalid format specifier '" + spec + "' for object of type '" + type_name + "'");
}

// Reads the digits at s[i...] into `value` (at most kMaxFieldWidth).
bool read_count(const std::string& s, size_t& i, int& value) {
  const size_t start = i;
  long long v = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    v = v * 10 + (s[i] - '0');
    if (v > kMaxFieldWidth)
      throw ValueError("Format width or precision over " + std::to_string(kMaxFieldWidth) + " in '" + s + "'");
  }
  value = static_cast<int>(v);
  return i > start;
}

FormatSpec parse_spec(const std::string& s, const char* type_name) {
  FormatSpec f;
  size_t i = 0;
  bool explicit_fill = false;
  if (s.size() >= 2 && is_align(s[1])) {
    f.fill = s[0];
    f.align = s[1];
    explicit_fill = true;
    i = 2;
  } else if (!s.empty() && is_align(s[0])) {
    f.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) f.sign = s[i++];
  if (i < s.size() && s[i] == '#') f.alternate = (++i, true);
  if (i < s.size() && s[i] == '0') {
    // Python: '0' pads with zeros after the sign unless a fill/align is given.
    if (!explicit_fill) f.fill = '0';
    if (!f.align) f.align = '=';
    ++i;
  }
  read_count(s, i, f.width);
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!read_count(s, i, f.precision)) throw ValueError("Format specifier missing precision");
  }
  if (i < s.size()) f.type = s[i++];
  if (i != s.size()) invalid_spec(s, type_name);
  return f;
}

// lead (sign, base prefix) and body padded to the width as `align` says.
std::string pad(const std::string& lead, const std::string& body, const FormatSpec& f) {
  const size_t len = lead.size() + body.size();
  if (static_cast<size_t>(f.width) <= len) return lead + body;
  const size_t n = static_cast<size_t>(f.width) - len;
  switch (f.align ? f.align : '>') {
    case '<': return lead + body + std::string(n, f.fill);
    case '=': return lead + std::string(n, f.fill) + body;
    case '^': return std::string(n / 2, f.fill) + lead + body + std::string(n - n / 2, f.fill);
    default: return std::string(n, f.fill) + lead + body;
  }
}

std::string sign_of(bool negative, const FormatSpec& f) {
  if (negative) return "-";
  return f.sign == '+' ? "+" : f.sign == ' ' ? " " : "";
}

// printf of a non-negative value with conversion `conv` and `precision`.
std::string printf_float(double v, char conv, int precision, bool alternate) {
  const std::string fmt = std::string("%") + (alternate ? "#" : "") + ".*" + conv;
  const int n = std::snprintf(nullptr, 0, fmt.c_str(), precision, v);
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), fmt.c_str(), precision, v);
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string format_float(double v, const FormatSpec& f) {
  static const std::string kTypes = "eEfFgGn%";
  if (f.type && kTypes.find(f.type) == std::string::npos)
    throw ValueError(std::string("Unknown format code '") + f.type + "' for object of type 'float'");
  const bool negative = std::signbit(v) && !std::isnan(v);
  const double a = std::fabs(v);
  std::string body;
  if (!f.type && f.precision < 0) {
    body = utils::python_float_repr(a);  // str(float)
  } else if (!f.type || f.type == 'n') {
    // 'g' keeping a decimal point in fixed notation (Python's no-type rule).
    body = printf_float(a, 'g', f.precision < 0 ? 6 : std::max(f.precision, 1), f.alternate);
    if (!f.type && std::isfinite(a) && body.find_first_of(".e") == std::string::npos) body += ".0";
  } else if (f.type == '%') {
    body = printf_float(a * 100, 'f', f.precision < 0 ? 6 : f.precision, f.alternate) + "%";
  } else {
    body = printf_float(a, f.type, f.precision < 0 ? 6 : f.precision, f.alternate);
  }
  return pad(sign_of(negative, f), body, f);
}

std::string format_int(long long v, const FormatSpec& f) {
  if (f.type && std::string("eEfFgG%").find(f.type) != std::string::npos)
    return format_float(static_cast<double>(v), f);
  if (f.type && std::string("dnxXob").find(f.type) == std::string::npos)
    throw ValueError(std::string("Unknown format code '") + f.type + "' for object of type 'int'");
  if (f.precision >= 0) throw ValueError("Precision not allowed in integer format specifier");
  unsigned long long a = v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  const int base = f.type == 'x' || f.type == 'X' ? 16 : f.type == 'o' ? 8 : f.type == 'b' ? 2 : 10;
  const char* digits = f.type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string body;
  do {
    body.insert(body.begin(), digits[a % static_cast<unsigned>(base)]);
    a /= static_cast<unsigned>(base);
  } while (a);
  std::string prefix;
  if (f.alternate && base != 10) prefix = std::string("0") + (f.type == 'X' ? 'X' : f.type);
  return pad(sign_of(v < 0, f) + prefix, body, f);
}

bool all_digits(const std::string& s) {
  return s.find_first_not_of("0123456789") == std::string::npos;
}

// One replacement field's text (between the braces).
std::string format_field(const std::string& field, int epoch, const Logs& logs) {
  const size_t colon = field.find(':');
  const std::string name = field.substr(0, colon);
  const std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
  if (field.find('{') != std::string::npos || name.find_first_of("![.") != std::string::npos)
    throw ValueError("ModelCheckpoint filepath field {" + field +
                     "}: conversions, attribute or index access and nested fields are not supported");
  if (all_digits(name))
    throw LookupError("Replacement index " + (name.empty() ? std::string("0") : name) +
                      " out of range for positional args tuple");
  if (name == "epoch") return format_int(epoch, parse_spec(spec, "int"));
  if (const double* v = logs.find(name)) return format_float(*v, parse_spec(spec, "float"));
  throw LookupError("'" + name + "'");  // Python's KeyError
}

}  // namespace

std::string format_filepath(const std::string& t, int epoch, const Logs& logs) {
  std::string out;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    const bool doubled = i + 1 < t.size() && t[i + 1] == c;
    if (c == '}') {
      if (!doubled) throw ValueError("Single '}' encountered in format string");
      out += '}';
      ++i;
    } else if (c != '{') {
      out += c;
    } else if (doubled) {
      out += '{';
      ++i;
    } else {
      const size_t close = t.find('}', i + 1);
      if (close == std::string::npos)
        throw ValueError(i + 1 == t.size() ? "Single '{' encountered in format string"
                                           : "expected '}' before end of string");
      out += format_field(t.substr(i + 1, close - i - 1), epoch, logs);
      i = close;
    }
  }
  return out;
}

}  // namespace keras::callbacks
