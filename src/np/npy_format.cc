// .npy format: the header (a Python dict literal padded to 64 bytes) and the
// data block, independent of where the bytes come from or go.
#include "npy_format.h"

#include <algorithm>
#include <cstring>

#include "keraspp/np/memory_limit.h"

namespace np::npy {

namespace {

const char kMagic[] = "\x93NUMPY";  // 6 bytes, then major and minor version

std::string descr_of(DType t) {
  switch (t) {
    case DType::float32: return "<f4";
    case DType::float64: return "<f8";
    case DType::int32: return "<i4";
    case DType::int64: return "<i8";
    case DType::uint8: return "|u1";
    case DType::bool_: return "|b1";
  }
  return "?";
}

struct Header {
  DType dtype = float32;
  bool swap = false;  // big-endian data on this little-endian host
  bool fortran = false;
  Shape shape;
};

// A reader of numpy's header: a Python dict literal with 'descr',
// 'fortran_order' and 'shape' in any order.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& where) : s_(text), where_(where) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_fortran = false, have_shape = false;
    expect('{');
    while (true) {
      skip_ws();
      if (peek() == '}') break;
      const std::string key = string_lit();
      expect(':');
      skip_ws();
      if (key == "descr") {
        set_descr(string_lit(), h);
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran = bool_lit();
        have_fortran = true;
      } else if (key == "shape") {
        h.shape = tuple_lit();
        have_shape = true;
      } else {
        fail("unexpected key '" + key + "' in header");
      }
      skip_ws();
      if (peek() == ',') ++i_;
    }
    if (!have_descr || !have_fortran || !have_shape)
      fail("header does not contain the keys 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) { malformed(where_, what + ": " + s_); }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t')) ++i_;
  }
  char peek() {
    if (i_ >= s_.size()) fail("header ends early");
    return s_[i_];
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) fail(std::string("expected '") + c + "' in header");
    ++i_;
  }
  std::string string_lit() {
    skip_ws();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string in header");
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) fail("unterminated string in header");
    std::string out = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return out;
  }
  bool bool_lit() {
    if (s_.compare(i_, 4, "True") == 0) return i_ += 4, true;
    if (s_.compare(i_, 5, "False") == 0) return i_ += 5, false;
    fail("fortran_order is not True or False");
  }
  Shape tuple_lit() {
    Shape shape;
    expect('(');
    while (true) {
      skip_ws();
      if (peek() == ')') break;
      size_t used = 0;
      long long v = 0;
      try {
        v = std::stoll(s_.substr(i_), &used);
      } catch (const std::exception&) {
        fail("shape is not a tuple of integers");
      }
      if (v < 0) fail("shape has a negative dimension");
      shape.push_back(v);
      i_ += used;
      if (peek() == 'L') ++i_;  // Python 2 longs: (3L, 4L)
      skip_ws();
      if (peek() == ',') ++i_;
    }
    ++i_;
    return shape;
  }
  void set_descr(const std::string& d, Header& h) {
    if (d.size() != 3 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '='))
      fail("unsupported dtype descr '" + d + "'");
    const std::string code = d.substr(1);
    if (code == "f4") h.dtype = float32;
    else if (code == "f8") h.dtype = float64;
    else if (code == "i4") h.dtype = int32;
    else if (code == "i8") h.dtype = int64;
    else if (code == "u1") h.dtype = uint8;
    else if (code == "b1") h.dtype = bool_;
    else fail("unsupported dtype descr '" + d + "'");
    h.swap = d[0] == '>' && itemsize(h.dtype) > 1;
  }

  const std::string& s_;
  const std::string& where_;
  size_t i_ = 0;
};


uint32_t le(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Copies `src` (C-order data of the reversed shape) into C order of `shape`:
// Fortran-ordered files store the transpose's memory layout.
Array from_fortran(const Array& src, const Shape& shape) {
  Array out = Array::empty(shape, src.dtype());
  const int nd = static_cast<int>(shape.size());
  const size_t isz = itemsize(src.dtype());
  std::vector<int64_t> fstride(nd, 1), idx(nd, 0);
  for (int d = 1; d < nd; ++d) fstride[d] = fstride[d - 1] * shape[d - 1];
  const char* in = static_cast<const char*>(src.raw_data());
  char* o = static_cast<char*>(out.raw_data());
  for (int64_t flat = 0; flat < out.size(); ++flat) {
    int64_t f = 0;
    for (int d = 0; d < nd; ++d) f += idx[d] * fstride[d];
    std::memcpy(o + flat * isz, in + f * isz, isz);
    for (int d = nd - 1; d >= 0 && ++idx[d] == shape[d]; --d) idx[d] = 0;
  }
  return out;
}

}  // namespace

void malformed(const std::string& where, const std::string& what) {
  throw ValueError("cannot load " + where + ": " + what);
}

Array read_npy(const Source& read, const std::string& where, uint64_t available) {
  unsigned char pre[12];
  if (read(pre, 8) != 8 || std::memcmp(pre, kMagic, 6) != 0)
    malformed(where, "not a .npy file (the magic string is not correct)");
  const int major = pre[6];
  if (major < 1 || major > 3)
    malformed(where, "unsupported .npy format version " + std::to_string(major) + "." +
                         std::to_string(pre[7]));
  const int len_bytes = major == 1 ? 2 : 4;
  if (read(pre + 8, len_bytes) != static_cast<size_t>(len_bytes)) malformed(where, "header is truncated");
  const uint32_t hlen = le(pre + 8, len_bytes);
  // Checked before the header is read into memory: a 12-byte file claiming
  // a 4 GiB header is refused, not allocated.
  if (hlen > kMaxHeaderSize)
    malformed(where, "Header info length (" + std::to_string(hlen) +
                         ") is large and may not be safe to load securely (numpy's limit is " +
                         std::to_string(kMaxHeaderSize) + ")");
  const uint64_t head_bytes = 8 + static_cast<uint64_t>(len_bytes) + hlen;
  if (head_bytes > available) malformed(where, "header is truncated");
  std::string text(hlen, '\0');
  if (read(text.data(), hlen) != hlen) malformed(where, "header is truncated");
  const Header h = HeaderParser(text, where).parse();

  // The byte count the header claims, checked for overflow and against what
  // the stream holds before allocating it.
  int64_t need = static_cast<int64_t>(itemsize(h.dtype));
  for (int64_t d : h.shape)
    if (__builtin_mul_overflow(need, d, &need))
      malformed(where, "shape " + shape_str(h.shape) + " is too big (its byte count overflows)");
  if (static_cast<uint64_t>(need) > available - head_bytes)
    malformed(where, "data is truncated: shape " + shape_str(h.shape) + " needs " +
                         std::to_string(need) + " bytes, found " +
                         std::to_string(available - head_bytes));
  Shape mem_shape = h.shape;
  if (h.fortran) std::reverse(mem_shape.begin(), mem_shape.end());
  // An .npz entry may inflate to 1032 times its size: the cap first.
  check_allocation(mem_shape, h.dtype, where);
  Array a = Array::empty(mem_shape, h.dtype);
  const size_t got = a.nbytes() ? read(a.raw_data(), a.nbytes()) : 0;
  if (got != a.nbytes())
    malformed(where, "data is truncated: shape " + shape_str(h.shape) + " needs " +
                         std::to_string(a.nbytes()) + " bytes, found " + std::to_string(got));
  if (h.swap) {
    const size_t isz = itemsize(h.dtype);
    auto* p = static_cast<unsigned char*>(a.raw_data());
    for (size_t i = 0; i < a.nbytes(); i += isz) std::reverse(p + i, p + i + isz);
  }
  if (h.dtype == bool_) {  // any nonzero byte is True; a bool must hold 0 or 1
    auto* p = static_cast<unsigned char*>(a.raw_data());
    for (size_t i = 0; i < a.nbytes(); ++i) p[i] = p[i] != 0;
  }
  if (h.fortran && a.ndim() > 1) return from_fortran(a, h.shape);
  return a;
}

std::string npy_header(const Array& a) {
  std::string dict = "{'descr': '" + descr_of(a.dtype()) +
                     "', 'fortran_order': False, 'shape': " + shape_str(a.shape()) + ", }";
  const bool v2 = dict.size() + 1 + 10 > 65535;
  const size_t pre = v2 ? 12 : 10;
  const size_t total = (pre + dict.size() + 1 + 63) / 64 * 64;
  dict += std::string(total - pre - dict.size() - 1, ' ') + "\n";
  std::string out(kMagic, 6);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  const uint32_t n = static_cast<uint32_t>(dict.size());
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + dict;
}

void write_npy(const Sink& write, const Array& a) {
  const std::string head = npy_header(a);
  write(head.data(), head.size());
  if (a.nbytes()) write(a.raw_data(), a.nbytes());
}

}  // namespace np::npy
