// The one-pass tracestate scan reads a list's last value as the list's last 16 bytes
// when the list is that long: a byte no value may hold must be found in every position
// of that value, after members of any length, and a clean value must be kept whole.
#include <gtest/gtest.h>

#include <string>

#include "gatetrace/propagation/tracestate.h"

namespace gatetrace {
namespace propagation {
namespace {

TEST(TracestateTail, EveryPositionOfTheLastValue) {
  for (std::size_t first_size = 0; first_size <= 20; ++first_size) {
    const std::string first = first_size == 0 ? "" : "k=" + std::string(first_size, 'v') + ",";
    for (std::size_t value_size = 1; value_size <= 20; ++value_size) {
      const std::string clean = first + "last=" + std::string(value_size, 'x');
      ParsedTracestate parsed;
      std::string why;
      ASSERT_TRUE(parse_tracestate(clean, parsed, why)) << clean;
      EXPECT_EQ(parsed.additional_w3c, clean) << clean;
      for (std::size_t at = 0; at < value_size; ++at) {
        for (const char bad : {'\x01', '\x7f', '\x80', '=', '\xff', '\x1f'}) {
          std::string text = clean;
          text[text.size() - value_size + at] = bad;
          EXPECT_FALSE(parse_tracestate(text, parsed, why)) << first_size << " " << at;
        }
      }
      // A comma as the last byte ends the value before it (an empty member follows).
      if (value_size < 2) continue;
      std::string split = clean;
      split.back() = ',';
      ASSERT_TRUE(parse_tracestate(split, parsed, why)) << split;
      EXPECT_EQ(parsed.additional_w3c, clean.substr(0, clean.size() - 1)) << split;
    }
  }
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
