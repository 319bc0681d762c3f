// IDX reading and writing: round trips, gzip detection, and the errors.
#include "support/expect_error.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "io_test_util.h"
#include "keraspp/errors.h"
#include "keraspp/io/idx.h"

namespace {

using keraspp::io::read_idx;
using keraspp::io::read_maybe_gzipped;
using keraspp::io::write_idx;
using kpp_test::TempDir;
using ::testing::HasSubstr;

// Any std::exception's message (these tests check texts, not classes).
template <class F> std::string error_of(F&& f) { return kpp_test::message_of<std::exception>(f); }

TEST(Idx, Uint8RoundTripRawAndGzip) {
  TempDir dir;
  np::Array a = kpp_test::synth_images(5, 3, 4);
  for (bool gz : {false, true}) {
    const std::string p = dir / (gz ? "a.gz" : "a");
    write_idx(p, a, gz);
    const std::string bytes = kpp_test::read_bytes(p);
    ASSERT_GE(bytes.size(), 2u);
    EXPECT_EQ(gz, static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b);
    np::Array b = read_idx(p);
    EXPECT_EQ(b.dtype(), np::uint8);
    EXPECT_EQ(b.shape(), (np::Shape{5, 3, 4}));
    EXPECT_TRUE(std::equal(a.data<uint8_t>(), a.data<uint8_t>() + a.size(), b.data<uint8_t>()));
  }
}

TEST(Idx, HeaderIsBigEndianMnistLayout) {
  TempDir dir;
  write_idx(dir / "l", kpp_test::synth_labels(300), false);
  const std::string b = kpp_test::read_bytes(dir / "l");
  ASSERT_EQ(b.size(), 8u + 300u);
  // Magic 2049 = 0x00000801, then count 300 = 0x0000012C.
  EXPECT_EQ(b.substr(0, 8), std::string("\x00\x00\x08\x01\x00\x00\x01\x2c", 8));
}

TEST(Idx, OtherDtypesRoundTrip) {
  TempDir dir;
  np::Array f = np::Array::from_vector<float>({1.5f, -2.25f, 3e30f, 0.f, -0.f, 7.f}, {2, 3});
  np::Array d = np::Array::from_vector<double>({1e-300, -2.5, 3.0}, {3});
  np::Array i = np::Array::from_vector<int32_t>({-7, 2147483647, -2147483647 - 1}, {3, 1});
  for (bool gz : {false, true}) {
    write_idx(dir / "f", f, gz);
    write_idx(dir / "d", d, gz);
    write_idx(dir / "i", i, gz);
    np::Array f2 = read_idx(dir / "f"), d2 = read_idx(dir / "d"), i2 = read_idx(dir / "i");
    EXPECT_EQ(f2.dtype(), np::float32);
    EXPECT_EQ(f2.shape(), f.shape());
    EXPECT_EQ(f2.to_vector<float>(), f.to_vector<float>());
    EXPECT_EQ(d2.dtype(), np::float64);
    EXPECT_EQ(d2.to_vector<double>(), d.to_vector<double>());
    EXPECT_EQ(i2.dtype(), np::int32);
    EXPECT_EQ(i2.shape(), i.shape());
    EXPECT_EQ(i2.to_vector<int32_t>(), i.to_vector<int32_t>());
  }
}

TEST(Idx, Int64WrittenAsInt32AndBoolAsUint8) {
  TempDir dir;
  write_idx(dir / "i64", np::Array::from_vector<int64_t>({-1, 5, 100000}, {3}), false);
  np::Array a = read_idx(dir / "i64");
  EXPECT_EQ(a.dtype(), np::int32);
  EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{-1, 5, 100000}));
  EXPECT_THROW(write_idx(dir / "big", np::Array::from_vector<int64_t>({1ll << 40}, {1}), false),
               keraspp::ValueError);
  EXPECT_FALSE(std::filesystem::exists(dir / "big"));
  write_idx(dir / "b", np::Array::from_vector<bool>({true, false, true}, {3}), true);
  np::Array b = read_idx(dir / "b");
  EXPECT_EQ(b.dtype(), np::uint8);
  EXPECT_EQ(b.to_vector<int>(), (std::vector<int>{1, 0, 1}));
}

TEST(Idx, HandMadeInt16AndInt8Files) {
  TempDir dir;
  // int16 (0x0B), 1-d, 3 values: -2, 258, 32767.
  kpp_test::write_bytes(dir / "s", std::string("\x00\x00\x0b\x01\x00\x00\x00\x03"
                                               "\xff\xfe\x01\x02\x7f\xff", 14));
  np::Array s = read_idx(dir / "s");
  EXPECT_EQ(s.dtype(), np::int32);
  EXPECT_EQ(s.to_vector<int>(), (std::vector<int>{-2, 258, 32767}));
  // int8 (0x09), 2 values: -128, 5.
  kpp_test::write_bytes(dir / "b", std::string("\x00\x00\x09\x01\x00\x00\x00\x02\x80\x05", 10));
  EXPECT_EQ(read_idx(dir / "b").to_vector<int>(), (std::vector<int>{-128, 5}));
}

TEST(Idx, WrongMagicNamesNumberAndFile) {
  TempDir dir;
  const std::string p = dir / "bad";
  // 1234 = 0x000004D2: type code 0x04 is not an IDX type.
  kpp_test::write_bytes(p, std::string("\x00\x00\x04\xd2\x00\x00\x00\x00", 8));
  EXPECT_EQ(error_of([&] { read_idx(p); }), "Invalid magic number 1234 in MNIST file " + p);
  EXPECT_THROW(read_idx(p), keraspp::ValueError);
  // Non-zero leading bytes are wrong too (e.g. a text file).
  kpp_test::write_bytes(p, "hello world");
  EXPECT_THAT(error_of([&] { read_idx(p); }), HasSubstr("Invalid magic number 1751477356"));
}

TEST(Idx, TruncatedDataNamesFileAndSizes) {
  TempDir dir;
  write_idx(dir / "full", kpp_test::synth_images(4, 2, 2), false);
  std::string bytes = kpp_test::read_bytes(dir / "full");
  const std::string p = dir / "cut";
  kpp_test::write_bytes(p, bytes.substr(0, bytes.size() - 5));
  const std::string msg = error_of([&] { read_idx(p); });
  EXPECT_THAT(msg, HasSubstr(p));
  EXPECT_THAT(msg, HasSubstr("expected 16 bytes"));
  EXPECT_THAT(msg, HasSubstr("got 11"));
  EXPECT_THROW(read_idx(p), keraspp::ValueError);
  // Cut inside the header, and below the 4-byte magic.
  kpp_test::write_bytes(p, bytes.substr(0, 10));
  EXPECT_THAT(error_of([&] { read_idx(p); }), HasSubstr("expected 16 bytes of header, got 10"));
  kpp_test::write_bytes(p, bytes.substr(0, 2));
  EXPECT_THROW(read_idx(p), keraspp::ValueError);
  kpp_test::write_bytes(p, "");
  EXPECT_THROW(read_idx(p), keraspp::ValueError);
}

TEST(Idx, TruncatedOrCorruptGzip) {
  TempDir dir;
  write_idx(dir / "full.gz", kpp_test::synth_images(50, 28, 28), true);
  std::string bytes = kpp_test::read_bytes(dir / "full.gz");
  const std::string p = dir / "cut.gz";
  kpp_test::write_bytes(p, bytes.substr(0, bytes.size() / 2));
  EXPECT_THAT(error_of([&] { read_idx(p); }),
              HasSubstr("Compressed file ended before the end-of-stream marker was reached: " + p));
  EXPECT_THROW(read_idx(p), keraspp::ValueError);
  std::string corrupt = bytes;
  for (size_t i = 20; i < 60 && i < corrupt.size(); ++i) corrupt[i] = static_cast<char>(0xff);
  kpp_test::write_bytes(p, corrupt);
  EXPECT_THROW(read_idx(p), keraspp::ValueError);
}

TEST(Idx, ConcatenatedGzipMembersAreOneStream) {
  TempDir dir;
  // `cat a.gz b.gz` is a valid gzip file holding a's bytes then b's.
  write_idx(dir / "raw", kpp_test::synth_labels(10), false);
  const std::string raw = kpp_test::read_bytes(dir / "raw");
  keraspp::io::write_file_atomic(dir / "h", raw.substr(0, 9));
  keraspp::io::write_file_atomic(dir / "t", raw.substr(9));
  const std::string cmd = "gzip -c '" + (dir / "h") + "' > '" + (dir / "m.gz") + "' && gzip -c '" +
                          (dir / "t") + "' >> '" + (dir / "m.gz") + "'";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "no gzip command";
  EXPECT_EQ(read_maybe_gzipped(dir / "m.gz"), raw);
  EXPECT_EQ(read_idx(dir / "m.gz").to_vector<int>(), kpp_test::synth_labels(10).to_vector<int>());
}

TEST(Idx, MissingFileIsIOErrorWithPythonText) {
  TempDir dir;
  const std::string p = dir / "nope.gz";
  EXPECT_EQ(error_of([&] { read_idx(p); }), "[Errno 2] No such file or directory: '" + p + "'");
  EXPECT_THROW(read_idx(p), keraspp::IOError);
  EXPECT_EQ(error_of([&] { read_idx(dir.path()); }),
            "[Errno 21] Is a directory: '" + dir.path() + "'");
}

TEST(Idx, AtomicWriteReplacesAndLeavesNoTempFiles) {
  TempDir dir;
  const std::string p = dir / "x.gz";
  write_idx(p, kpp_test::synth_labels(3), true);
  write_idx(p, kpp_test::synth_labels(7), true);
  EXPECT_EQ(read_idx(p).shape(), (np::Shape{7}));
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
  // A folder that does not exist: IOError, nothing written anywhere.
  EXPECT_THROW(write_idx(dir / "no/such/dir/x", kpp_test::synth_labels(3), false), keraspp::IOError);
}

}  // namespace
