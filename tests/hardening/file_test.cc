// Files a careless or hostile writer made (issue 16): sizes a file merely
// claims are checked before anything is allocated for them, every truncation
// and bit flip of a valid .npz either fails or loads the original arrays.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "io/io_test_util.h"
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include "keraspp/keras/utils.h"
#include "keraspp/np.h"

namespace {

using kpp_test::message_of;
using kpp_test::TempDir;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// A version-1.0 .npy header for `dict`, padded as numpy pads it.
std::string npy_v1(std::string dict) {
  while ((10 + dict.size() + 1) % 64) dict += ' ';
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

// numpy refuses headers over 10000 bytes; the length field alone must not
// make the reader allocate (a 12-byte file claiming a 4 GiB header).
TEST(NpyFile, HeaderLengthIsCappedBeforeReading) {
  TempDir dir;
  write_bytes(dir / "h.npy", std::string("\x93NUMPY\x02\x00\xf0\xff\xff\xff", 12));
  EXPECT_NE(message_of<keraspp::ValueError>([&] { np::load(dir / "h.npy"); })
                .find("Header info length (4294967280) is large"),
            std::string::npos);
}

TEST(NpyFile, ClaimedShapeWithoutDataIsTruncatedBeforeAllocating) {
  TempDir dir;
  write_bytes(dir / "big.npy",
              npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }"));
  const std::string msg = message_of<keraspp::ValueError>([&] { np::load(dir / "big.npy"); });
  EXPECT_NE(msg.find("data is truncated: shape (1099511627776,) needs 4398046511104 bytes, found 0"),
            std::string::npos)
      << msg;
}

TEST(NpyFile, ShapeWhoseByteCountOverflows) {
  TempDir dir;
  for (const std::string shape : {"(4294967296, 4294967296)", "(7, 7905747460161236407)",
                                  "(9223372036854775807, 2, 0)"}) {
    write_bytes(dir / "o.npy",
                npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }") +
                    std::string(4, '\0'));
    EXPECT_THROW(np::load(dir / "o.npy"), keraspp::ValueError) << shape;
  }
}

TEST(NpyFile, EveryTruncationFails) {
  TempDir dir;
  np::save(dir / "a.npy", np::Array::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}));
  const std::string good = read_bytes(dir / "a.npy");
  for (size_t n = 0; n < good.size(); ++n) {
    write_bytes(dir / "t.npy", good.substr(0, n));
    EXPECT_THROW(np::load(dir / "t.npy"), keraspp::ValueError) << n << " bytes";
  }
}

// IDX dims whose product overflows before a zero dim: numpy's rule (the
// nonzero dims' product must fit) rather than an empty array.
TEST(IdxFile, DimsWhoseProductOverflowsBeforeAZeroDim) {
  std::string bytes("\x00\x00\x08\x04", 4);
  for (const char* d : {"\xff\xff\xff\xff", "\xff\xff\xff\xff", "\xff\xff\xff\xff", "\x00\x00\x00\x00"})
    bytes.append(d, 4);
  EXPECT_NE(message_of<keraspp::ValueError>([&] { keraspp::io::parse_idx(bytes, "x.idx"); })
                .find("overflow"),
            std::string::npos);
}

TEST(ToCategorical, LabelsBeyondAnyClassId) {
  EXPECT_THROW(keras::utils::to_categorical(np::Array::from_vector<double>({1e300}, {1})),
               keraspp::ValueError);
  EXPECT_THROW(keras::utils::to_categorical(np::Array::from_vector<double>({1.0}, {1}), int64_t{1} << 62),
               keraspp::ValueError);
}

class NpzFile : public ::testing::Test {
 protected:
  TempDir dir;
  std::map<std::string, np::Array> arrays{
      {"w", np::Array::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3})},
      {"b", np::Array::from_vector<int32_t>({7, 8}, {2})}};

  void expect_original(const std::map<std::string, np::Array>& got) {
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got.at("w").to_vector<float>(), arrays.at("w").to_vector<float>());
    EXPECT_EQ(got.at("w").shape(), arrays.at("w").shape());
    EXPECT_EQ(got.at("b").to_vector<int32_t>(), arrays.at("b").to_vector<int32_t>());
  }
};

// A cut archive never loads with arrays silently left out.
TEST_F(NpzFile, EveryTruncationFails) {
  for (bool compressed : {false, true}) {
    compressed ? np::savez_compressed(dir / "a.npz", arrays) : np::savez(dir / "a.npz", arrays);
    const std::string good = read_bytes(dir / "a.npz");
    for (size_t n = 0; n < good.size(); ++n) {
      write_bytes(dir / "t.npz", good.substr(0, n));
      EXPECT_ANY_THROW(np::load_npz(dir / "t.npz")) << n << " of " << good.size() << " bytes";
    }
  }
}

// Each single bit flip either fails or (where it hits bytes no reader
// uses: timestamps, padding) loads exactly the original arrays.
TEST_F(NpzFile, BitFlipsFailOrLoadTheOriginal) {
  for (bool compressed : {false, true}) {
    compressed ? np::savez_compressed(dir / "a.npz", arrays) : np::savez(dir / "a.npz", arrays);
    const std::string good = read_bytes(dir / "a.npz");
    for (size_t i = 0; i < good.size(); ++i) {
      for (int bit = 0; bit < 8; bit += 3) {
        std::string bad = good;
        bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
        write_bytes(dir / "f.npz", bad);
        std::map<std::string, np::Array> got;
        try {
          got = np::load_npz(dir / "f.npz");
        } catch (const std::exception&) {
          continue;
        }
        SCOPED_TRACE("byte " + std::to_string(i) + " bit " + std::to_string(bit));
        expect_original(got);
      }
    }
  }
}

TEST_F(NpzFile, LongMemberNamesAreKeptWhole) {
  const std::string name(3000, 'k');
  np::savez(dir / "l.npz", {{name, arrays.at("b")}});
  const auto got = np::load_npz(dir / "l.npz");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.begin()->first, name);
}

TEST_F(NpzFile, EmptyArchiveLoadsAsNoArrays) {
  np::savez(dir / "e.npz", {});
  EXPECT_TRUE(np::load_npz(dir / "e.npz").empty());
  // numpy's own empty archive: the 22-byte end-of-central-directory record.
  write_bytes(dir / "numpy_empty.npz", std::string("PK\x05\x06", 4) + std::string(18, '\0'));
  EXPECT_TRUE(np::load_npz(dir / "numpy_empty.npz").empty());
}

}  // namespace
