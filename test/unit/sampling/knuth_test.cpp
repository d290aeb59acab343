#include "gatetrace/sampling/knuth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace gatetrace {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(Knuth, HashIsTheProductModulo2To64) {
  EXPECT_EQ(knuth_hash(0), 0u);
  EXPECT_EQ(knuth_hash(1), 1111111111111111111u);
  // 2 * 1111111111111111111 < 2^64; 17 * it wraps: 18888888888888888887 - 2^64.
  EXPECT_EQ(knuth_hash(2), 2222222222222222222u);
  EXPECT_EQ(knuth_hash(17), 442144815179337271u);
  // (2^64 - 1) * f = -f mod 2^64.
  EXPECT_EQ(knuth_hash(kMax), 0u - 1111111111111111111u);
}

TEST(Knuth, RateOneAlwaysKeepsRateZeroNeverKeeps) {
  for (std::uint64_t id : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{12345}, kMax}) {
    EXPECT_TRUE(knuth_keep(id, 1.0)) << id;
    EXPECT_TRUE(knuth_keep(id, 1.5)) << id;
    EXPECT_FALSE(knuth_keep(id, 0.0)) << id;
    EXPECT_FALSE(knuth_keep(id, -0.5)) << id;
    EXPECT_FALSE(knuth_keep(id, std::numeric_limits<double>::quiet_NaN())) << id;
  }
}

TEST(Knuth, EdgeIdsAgainstTheThreshold) {
  // Id 0 hashes to 0, which is under every positive threshold.
  EXPECT_TRUE(knuth_keep(0, std::numeric_limits<double>::denorm_min()));
  EXPECT_TRUE(knuth_keep(0, 1e-300));
  // Id 2^64 - 1 hashes to 2^64 - f, about 0.9398 of the range.
  const double share = static_cast<double>(0u - 1111111111111111111u) / 18446744073709551616.0;
  EXPECT_TRUE(knuth_keep(kMax, share + 1e-9));
  EXPECT_FALSE(knuth_keep(kMax, share - 1e-9));
  // The largest rate below 1 must not overflow the threshold (it is just under 2^64).
  EXPECT_TRUE(knuth_keep(kMax, std::nextafter(1.0, 0.0)));
  // This id hashes to 123456789; 123456789 / 2^64 is a double exactly, so its
  // threshold is exactly the hash: kept (the comparison is <=), and not one step lower.
  const std::uint64_t id = 12507513526551431747u;
  ASSERT_EQ(knuth_hash(id), 123456789u);
  const double exact = std::ldexp(123456789.0, -64);
  EXPECT_TRUE(knuth_keep(id, exact));
  EXPECT_FALSE(knuth_keep(id, std::ldexp(123456788.0, -64)));
}

TEST(Knuth, KeepsTheRatesShareOfRandomIds) {
  std::mt19937_64 random(20240601);
  std::vector<std::uint64_t> ids(100000);
  for (auto& id : ids) id = random();
  int kept = 0;
  for (std::uint64_t id : ids) {
    if (knuth_keep(id, 0.3)) ++kept;
  }
  const double share = static_cast<double>(kept) / static_cast<double>(ids.size());
  EXPECT_GE(share, 0.29);
  EXPECT_LE(share, 0.31);
  // Deterministic: the same id always gets the same decision; and a higher rate keeps
  // a superset (so services at different rates still agree on what the lower keeps).
  for (std::size_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(knuth_keep(ids[i], 0.3), knuth_keep(ids[i], 0.3));
    if (knuth_keep(ids[i], 0.3)) {
      EXPECT_TRUE(knuth_keep(ids[i], 0.5));
    }
  }
}

// KnuthRate computes the threshold once; it must keep exactly the ids knuth_keep keeps,
// at the edges too: hash 0 (id 0), the threshold itself and one past it, rates that
// keep nothing (0, -0, negative, NaN) or everything (1 and above, infinity).
TEST(Knuth, PrecomputedRateKeepsExactlyAsKnuthKeep) {
  std::vector<double> rates = {0.0,
                               -0.0,
                               -0.5,
                               std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::denorm_min(),
                               1e-300,
                               1e-9,
                               0.25,
                               0.5,
                               1.0 / 3.0,
                               std::nextafter(1.0, 0.0),
                               1.0,
                               1.5,
                               std::numeric_limits<double>::infinity()};
  std::mt19937_64 random(99);
  for (int i = 0; i < 200; ++i)
    rates.push_back(std::ldexp(static_cast<double>(random() >> 11), -53));
  for (const double rate : rates) {
    const KnuthRate precomputed(rate);
    std::vector<std::uint64_t> ids = {0, 1, 2, kMax, kMax - 1};
    // Ids whose hash is at, just under and just over the threshold (the hash is a
    // bijection: the inverse of 1111111111111111111 mod 2^64 finds them).
    if (rate > 0.0 && rate < 1.0) {
      std::uint64_t inverse = 1;
      for (int step = 0; step < 6; ++step) inverse *= 2 - kKnuthFactor * inverse;
      const auto threshold = static_cast<std::uint64_t>(std::ldexp(rate, 64));
      for (const std::uint64_t hash : {threshold - 1, threshold, threshold + 1}) {
        ASSERT_EQ(knuth_hash(hash * inverse), hash);
        ids.push_back(hash * inverse);
      }
    }
    for (int i = 0; i < 200; ++i) ids.push_back(random());
    for (const std::uint64_t id : ids) {
      ASSERT_EQ(precomputed.keeps(id), knuth_keep(id, rate)) << rate << " " << id;
    }
  }
}

TEST(Knuth, FormatsTheRateAsDatadogTracersDo) {
  EXPECT_EQ(format_knuth_rate(0.5), "0.5");
  EXPECT_EQ(format_knuth_rate(1.0), "1");
  EXPECT_EQ(format_knuth_rate(0.0), "0");
  EXPECT_EQ(format_knuth_rate(1.0 / 3.0), "0.333333");
  EXPECT_EQ(format_knuth_rate(2.0 / 3.0), "0.666667");
  EXPECT_EQ(format_knuth_rate(0.1), "0.1");
  EXPECT_EQ(format_knuth_rate(0.25), "0.25");
  EXPECT_EQ(format_knuth_rate(0.123456789), "0.123457");
  EXPECT_EQ(format_knuth_rate(0.000001), "0.000001");
  EXPECT_EQ(format_knuth_rate(5.1e-7), "0.000001");
  EXPECT_EQ(format_knuth_rate(1e-7), "0");
  EXPECT_EQ(format_knuth_rate(0.9999996), "1");
  EXPECT_EQ(format_knuth_rate(0.9999994), "0.999999");
  EXPECT_EQ(format_knuth_rate(2.0), "1");
  EXPECT_EQ(format_knuth_rate(-1.0), "0");
}

}  // namespace
}  // namespace gatetrace
