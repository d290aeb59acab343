// The injected values' formatting where it skips a general step: a sampling priority
// of one digit written inline (every int still as std::to_string writes it), the leading
// 1 to 4 digits of a 17- to 20-digit id (every value they can take), the dd member's
// first fields through one reservation (every width of priority, and the 256-byte
// limit counted from the same start), and `_dd.p.tid` written whole.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "gatetrace/propagation/codec.h"
#include "gatetrace/propagation/trace_tags.h"
#include "gatetrace/propagation/tracestate.h"

namespace gatetrace {
namespace propagation {
namespace {

std::string formatted_int(int value) {
  char buffer[kMaxIntChars];
  return std::string(buffer, format_int(buffer, value));
}

TEST(InjectionFormatting, IntAroundTheOneDigitCase) {
  for (int value = -1000; value <= 1000; ++value) {
    EXPECT_EQ(formatted_int(value), std::to_string(value));
  }
  for (const int value : {std::numeric_limits<int>::min(), std::numeric_limits<int>::min() + 1,
                          std::numeric_limits<int>::max()}) {
    EXPECT_EQ(formatted_int(value), std::to_string(value));
  }
  for (int digit = 0; digit <= 9; ++digit) {
    char buffer[kMaxIntChars];
    EXPECT_EQ(std::string(buffer, format_int_any(buffer, digit)), std::to_string(digit));
  }
}

TEST(InjectionFormatting, EveryLeadOfSeventeenToTwentyDigits) {
  constexpr std::uint64_t k1e16 = 10000000000000000u;
  const std::uint64_t max_lead = std::numeric_limits<std::uint64_t>::max() / k1e16;  // 1844
  for (std::uint64_t lead = 1; lead <= max_lead; ++lead) {
    for (const std::uint64_t rest :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{99999999}, std::uint64_t{100000000},
          std::uint64_t{1234567890123456}, k1e16 - 1}) {
      if (lead == max_lead && rest > std::numeric_limits<std::uint64_t>::max() - lead * k1e16) {
        continue;
      }
      const std::uint64_t value = lead * k1e16 + rest;
      char buffer[kMaxDecimalDigits];
      EXPECT_EQ(std::string(buffer, format_decimal(buffer, value)), std::to_string(value));
    }
  }
  char buffer[kMaxDecimalDigits];
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(std::string(buffer, format_decimal(buffer, max)), std::to_string(max));
}

std::string tracestate_of(const InjectionContext& context) {
  std::string out;
  encode_tracestate(context, out);
  return out;
}

TEST(InjectionFormatting, DatadogMemberLeadForEveryPriorityWidth) {
  for (const int priority : {std::numeric_limits<int>::min(), -10, -1, 0, 1, 2, 9, 10, 100,
                             std::numeric_limits<int>::max()}) {
    for (const std::uint64_t span_id :
         {std::uint64_t{1}, std::uint64_t{0xbb}, std::numeric_limits<std::uint64_t>::max()}) {
      InjectionContext context;
      context.trace_id.low = 7;
      context.span_id = span_id;
      context.sampling_priority = priority;
      EXPECT_EQ(tracestate_of(context),
                "dd=s:" + std::to_string(priority) + ";p:" + hex16(span_id));
      // The same, with the span id's digits given (traceparent's).
      const std::string span_hex = hex16(span_id);
      ValueBuffer buffer;
      encode_tracestate(context, span_hex.data(), buffer);
      EXPECT_EQ(std::string(buffer.view()), tracestate_of(context));
    }
  }
}

TEST(InjectionFormatting, MemberLimitCountsFromTheLead) {
  // A tag that ends the dd member at exactly 256 bytes is kept, one byte more drops it,
  // whatever the priority's width.
  for (const int priority : {std::numeric_limits<int>::min(), -1, 1, 10}) {
    const std::string lead = "dd=s:" + std::to_string(priority) + ";p:" + hex16(0xbb);
    for (const std::size_t extra : {0, 1}) {
      // ";t.k:" and the value.
      const std::size_t value_size = kDatadogMemberMaxLength - lead.size() - 5 + extra;
      const TagList tags = {{"_dd.p.k", std::string(value_size, 'v')}};
      InjectionContext context;
      context.trace_id.low = 7;
      context.span_id = 0xbb;
      context.sampling_priority = priority;
      context.trace_tags = &tags;
      const std::string expected =
          extra == 0 ? lead + ";t.k:" + std::string(value_size, 'v') : lead;
      EXPECT_EQ(tracestate_of(context), expected) << priority << " " << extra;
    }
  }
}

TEST(InjectionFormatting, TraceIdHighTagWrittenWhole) {
  const TagList tags = {{"_dd.p.dm", "-4"}};
  ValueBuffer buffer;
  EXPECT_EQ(encode_trace_tags(0x0af7651916cd43ddu, &tags, buffer), EncodeTagsResult::kOk);
  EXPECT_EQ(std::string(buffer.view()), "_dd.p.tid=0af7651916cd43dd,_dd.p.dm=-4");
  std::string text;
  EXPECT_EQ(encode_trace_tags(1, nullptr, text), EncodeTagsResult::kOk);
  EXPECT_EQ(text, "_dd.p.tid=0000000000000001");
  ValueBuffer none;
  EXPECT_EQ(encode_trace_tags(0, &tags, none), EncodeTagsResult::kOk);
  EXPECT_EQ(std::string(none.view()), "_dd.p.dm=-4");
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
