// Metrics::clear() on a recycled span's map: interned keys are dropped without running
// their destructors, owned copies (keys the table has not taken) are freed. Run under
// AddressSanitizer, a copy not freed is a leak.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gatetrace/span_metrics.h"

namespace gatetrace {
namespace {

std::vector<std::pair<std::string, double>> contents(const Metrics& metrics) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [key, value] : metrics) out.emplace_back(std::string(key.view()), value);
  return out;
}

TEST(MetricsClear, InternedAndOwnedKeysThenReuse) {
  Metrics metrics;
  for (int round = 0; round < 3; ++round) {
    // Seen once on this thread: the doorkeeper leaves them out of the table (owned).
    const std::string one_off = "metrics.clear.once." + std::to_string(round);
    const std::string long_key(300, static_cast<char>('a' + round));  // never interned
    metrics.set("metrics.clear.interned", 1);
    metrics.set(one_off, 2);
    metrics.set(long_key, 3);
    metrics.set("metrics.clear.interned", 4);
    EXPECT_EQ(metrics.size(), 3u);
    bool owned = false;
    for (const auto& entry : metrics) owned |= entry.first.owned();
    EXPECT_TRUE(owned);
    metrics.clear();
    EXPECT_TRUE(metrics.empty());
    // The block is kept and refilled.
    metrics.set(one_off, 5);
    metrics.set("metrics.clear.other", 6);
    EXPECT_EQ(contents(metrics), (std::vector<std::pair<std::string, double>>{
                                     {one_off, 5}, {"metrics.clear.other", 6}}));
    metrics.clear();
  }
}

TEST(MetricsClear, OnlyInternedKeys) {
  Metrics metrics;
  SpanString::intern("metrics.clear.a");
  SpanString::intern("metrics.clear.b");
  for (int round = 0; round < 3; ++round) {
    metrics.set("metrics.clear.a", round);
    metrics.set("metrics.clear.b", round + 1);
    for (const auto& entry : metrics) EXPECT_FALSE(entry.first.owned());
    metrics.clear();
    EXPECT_EQ(metrics.size(), 0u);
    EXPECT_EQ(metrics.find("metrics.clear.a"), nullptr);
  }
  metrics.set("metrics.clear.b", 7);
  ASSERT_NE(metrics.find("metrics.clear.b"), nullptr);
  EXPECT_EQ(*metrics.find("metrics.clear.b"), 7);
}

}  // namespace
}  // namespace gatetrace
