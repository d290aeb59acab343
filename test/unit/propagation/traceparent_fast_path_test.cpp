// The usual traceparent (version 00, 55 bytes) is parsed in one go, anything else field
// by field: every single-byte change of a valid header, in every position, must be
// accepted or rejected as the W3C rules say, with the ids and flags it spells, and a
// rejection must keep its field-by-field reason.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using S = PropagationStyle;

constexpr const char* kValid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// The W3C rules for a 55-byte header: lowercase hex fields, dashes between them, not
// version ff, nonzero ids.
bool reference_valid(const std::string& text) {
  if (text.size() != 55) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 2 || i == 35 || i == 52;
    if (dash ? text[i] != '-' : !is_lower_hex(text[i])) return false;
  }
  if (text.compare(0, 2, "ff") == 0) return false;
  if (text.substr(3, 32) == std::string(32, '0')) return false;
  if (text.substr(36, 16) == std::string(16, '0')) return false;
  return true;
}

std::uint64_t hex_value(const std::string& digits) { return std::stoull(digits, nullptr, 16); }

TEST(TraceparentFastPath, EverySingleByteChange) {
  const PropagationSettings w3c = testing::styles({S::kTraceContext});
  const std::string valid = kValid;
  for (std::size_t at = 0; at < valid.size(); ++at) {
    for (const char c :
         {'0', '1', '9', 'a', 'f', 'g', 'A', 'F', '-', ' ', '\0', '\xff', '/', ':', '`', '@'}) {
      std::string text = valid;
      text[at] = c;
      std::vector<Error> diagnostics;
      const ExtractedContext context =
          testing::extract_from({{"traceparent", text}}, w3c, &diagnostics);
      const bool expected = reference_valid(text);
      ASSERT_EQ(context.has_trace(), expected) << text;
      if (expected) {
        EXPECT_EQ(context.trace_id.high, hex_value(text.substr(3, 16))) << text;
        EXPECT_EQ(context.trace_id.low, hex_value(text.substr(19, 16))) << text;
        EXPECT_EQ(context.parent_id, hex_value(text.substr(36, 16))) << text;
        EXPECT_EQ(context.sampling_priority, (hex_value(text.substr(53, 2)) & 1) ? 1 : 0) << text;
        EXPECT_TRUE(diagnostics.empty()) << text;
      } else {
        ASSERT_EQ(diagnostics.size(), 1u) << text;
        EXPECT_EQ(diagnostics[0].code, Error::kMalformedTraceparent) << text;
      }
    }
  }
}

TEST(TraceparentFastPath, ZeroIdsAndOtherVersionsKeepTheirReasons) {
  const PropagationSettings w3c = testing::styles({S::kTraceContext});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"00-00000000000000000000000000000000-b7ad6b7169203331-01", "all-zero trace id"},
      {"00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", "all-zero parent id"},
      {"ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "forbidden version ff"},
      {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-", "trailing data"},
      {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g", "flags"},
  };
  for (const auto& [text, reason] : cases) {
    std::vector<Error> diagnostics;
    EXPECT_FALSE(testing::extract_from({{"traceparent", text}}, w3c, &diagnostics).has_trace());
    ASSERT_EQ(diagnostics.size(), 1u) << text;
    EXPECT_NE(diagnostics[0].message.find(reason), std::string::npos) << diagnostics[0].message;
  }
  // A later version with a 55-byte header takes the field-by-field path and is valid.
  EXPECT_TRUE(testing::extract_from(
                  {{"traceparent", "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}, w3c)
                  .has_trace());
  // The trace id's halves may be zero one at a time; OWS around the header is trimmed.
  EXPECT_TRUE(
      testing::extract_from(
          {{"traceparent", " 00-0000000000000000000000000000000a-b7ad6b7169203331-00\t"}}, w3c)
          .has_trace());
}

}  // namespace
}  // namespace gatetrace
