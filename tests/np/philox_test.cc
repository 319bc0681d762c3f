// The batched Philox fill must give exactly the scalar generator's words.
#include <gtest/gtest.h>

#include <vector>

#include "keraspp/np/philox.h"

TEST(Philox, FillBlocksMatchesSeekAndNext) {
  const uint64_t key = 0x123456789abcdefull, hi = 42;
  for (int64_t n : {1, 15, 16, 17, 100}) {
    const uint64_t first = (1ull << 32) - 5;  // crosses the low counter word's wrap
    std::vector<uint32_t> words(static_cast<size_t>(4 * n));
    np::random::Philox4x32::fill_blocks(key, hi, first, n, words.data());
    for (int64_t i = 0; i < n; ++i) {
      np::random::Philox4x32 g(key, hi);
      g.seek(first + static_cast<uint64_t>(i));
      const auto b = g.next();
      for (int j = 0; j < 4; ++j) ASSERT_EQ(words[static_cast<size_t>(4 * i + j)], b[static_cast<size_t>(j)]) << n << " " << i;
    }
  }
}

TEST(Philox, KnownAnswer) {
  // Philox4x32-10 test vector (Random123): counter 0, key 0.
  np::random::Philox4x32 g(0, 0);
  const auto b = g.next();
  EXPECT_EQ(b[0], 0x6627e8d5u);
  EXPECT_EQ(b[1], 0xe169c58du);
  EXPECT_EQ(b[2], 0xbc57ac4cu);
  EXPECT_EQ(b[3], 0x9b00dbd8u);
}
