// The secondary tracecontext's fast path: scan_tidy_tracestate takes only the lists
// whose kUnknownOnly parse it can give as views (and then gives exactly that), and the
// extraction built on it merges and links as before, also on the lists it rejects.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/propagation/header_index.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/propagation/tracestate.h"
#include "propagation_test_util.h"

namespace gatetrace {
namespace propagation {
namespace {

// Checks that a tidy scan, when it accepts `header`, agrees with parse_tracestate.
bool scan_agrees(std::string_view header) {
  std::string_view datadog_member;
  std::string_view others;
  const bool tidy = scan_tidy_tracestate(header, datadog_member, others);
  ParsedTracestate parsed;
  std::string why;
  const bool valid = parse_tracestate(header, parsed, why, DatadogFields::kUnknownOnly);
  if (tidy) {
    EXPECT_TRUE(valid) << header;
    EXPECT_EQ(others, parsed.additional_w3c) << header;
    EXPECT_EQ(datadog_member, parsed.datadog_member) << header;
    EXPECT_EQ(datadog_member.data(), parsed.datadog_member.data()) << header;
    EXPECT_TRUE(parsed.additional_datadog.empty()) << header;
    // Views of the header itself.
    if (!others.empty()) {
      EXPECT_GE(others.data(), header.data());
      EXPECT_LE(others.data() + others.size(), header.data() + header.size());
    }
  }
  return tidy;
}

TEST(ScanTidyTracestate, TakesTheUsualLists) {
  for (const char* header : {
           "dd=s:1;p:b7ad6b7169203331;t.dm:-0,congo=t61rcWkgMzE",
           "congo=t61rcWkgMzE,dd=s:1;p:b7ad6b7169203331",
           "dd=s:1;p:b7ad6b7169203331",
           "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
           "dd=s:2;o:rum,a=1,b=2,c=3",
           "a=1,b=2,dd=s:1",
           "  dd=s:1,a=1  ",
           "dd=s:1,a=1 ",
           "a=1",
           "",
           "dd=s:1;t.tid:0000000000000001",
           "dd=s:1;t.:x",  // "t." has no name after it: unknown, not tidy
           // Keys of one size that differ (in the last byte, the first).
           "rojo=1,congo=2,rojp=3",
           "rojo=1,xojo=2,dd=s:1",
       }) {
    SCOPED_TRACE(header);
    const bool tidy = scan_agrees(header);
    EXPECT_EQ(tidy, std::string_view(header) != "dd=s:1;t.:x");
  }
}

TEST(ScanTidyTracestate, RejectsWhatItCannotView) {
  for (const std::string& header : std::vector<std::string>{
           // Other members apart from one another: joining them takes a copy.
           "a=1,dd=s:1,b=2",
           "a=1, b=2",
           "a=1,,b=2",
           "a=1,\tb=2",
           "a=1 ,b=2",
           // Unknown dd subkeys.
           "dd=s:1;x:y,a=1",
           "dd=s:1;tx:y",
           // Lists the one-pass path leaves to the general one.
           "t@sys=1,dd=s:1",
           "a=1\tx,b=2",
           // Invalid lists.
           "dd=s:1,dd=s:2",
           "a=1,a=2",
           "rojo=1,congo=2,rojo=3",
           "A=1",
           "a=",
           "=1",
           "a",
           "a=1,b=x=y",
           "dd=s:1;p:" + std::string(300, 'a'),
       }) {
    SCOPED_TRACE(header);
    EXPECT_FALSE(scan_agrees(header));
  }
}

TEST(ScanTidyTracestate, LongDatadogMembersGoTheGeneralWay) {
  // has_only_known_datadog_keys cannot tell past 64 bytes.
  const std::string header =
      "dd=s:1;p:b7ad6b7169203331;t.dm:-4;t.usr.id:" + std::string(40, 'u') + ",congo=t61rcWkgMzE";
  EXPECT_FALSE(scan_agrees(header));
}

TEST(ScanTidyTracestate, ThirtyTwoMembersAtMost) {
  std::string header = "dd=s:1";
  for (int i = 0; i < 31; ++i) header += ",k" + std::to_string(i) + "=v";
  EXPECT_TRUE(scan_agrees(header));
  header += ",k31=v";
  EXPECT_FALSE(scan_agrees(header));
}

constexpr const char* kTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

ExtractedContext extract(const std::vector<std::pair<std::string, std::string>>& headers,
                         bool indexed) {
  const testing::IndexableHeaders reader(headers);
  const PropagationSettings settings;  // datadog, then tracecontext
  if (!indexed) return extract_context(reader, settings);
  const HeaderIndex index(reader);
  return extract_context(index, settings);
}

TEST(SecondaryTracecontext, MergesOtherVendorsFromTidyAndOtherLists) {
  struct Case {
    std::string tracestate;
    std::optional<std::string> others;
    std::optional<std::string> unknown_dd;
  };
  const Case cases[] = {
      {"dd=s:1;p:b7ad6b7169203331;t.dm:-0,congo=t61rcWkgMzE", "congo=t61rcWkgMzE", std::nullopt},
      {"a=1,dd=s:1,b=2", "a=1,b=2", std::nullopt},
      {"a=1 , b=2", "a=1,b=2", std::nullopt},
      {"dd=s:1;x:y;p:b7ad6b7169203331,a=1", "a=1", "x:y"},
      {"dd=s:1", std::nullopt, std::nullopt},
      {"dd=s:1,dd=s:2", std::nullopt, std::nullopt},  // invalid: nothing kept
  };
  for (const Case& c : cases) {
    for (const bool indexed : {false, true}) {
      SCOPED_TRACE(c.tracestate);
      const ExtractedContext context = extract({{"x-datadog-trace-id", "9532127138774266268"},
                                                {"x-datadog-parent-id", "13235353014750950193"},
                                                {"traceparent", kTraceparent},
                                                {"tracestate", c.tracestate}},
                                               indexed);
      EXPECT_EQ(context.style, PropagationStyle::kDatadog);
      EXPECT_EQ(context.trace_id.high, 0x0af7651916cd43ddu);
      EXPECT_EQ(context.parent_id, 0xb7ad6b7169203331u);
      // As the std::optional<std::string> the trace segment keeps.
      std::optional<std::string> others = context.additional_w3c_tracestate;
      EXPECT_EQ(others, c.others);
      EXPECT_EQ(context.additional_datadog_w3c_tracestate, c.unknown_dd);
      EXPECT_TRUE(context.span_links.empty());
    }
  }
}

TEST(SecondaryTracecontext, RepeatedTracestateHeadersAreJoined) {
  for (const bool indexed : {false, true}) {
    const ExtractedContext context = extract({{"x-datadog-trace-id", "9532127138774266268"},
                                              {"x-datadog-parent-id", "13235353014750950193"},
                                              {"traceparent", kTraceparent},
                                              {"tracestate", "dd=s:1,a=1"},
                                              {"TraceState", "b=2"}},
                                             indexed);
    EXPECT_EQ(context.additional_w3c_tracestate, "a=1,b=2");
  }
}

TEST(SecondaryTracecontext, AnotherTraceBecomesALinkWithItsTracestate) {
  for (const bool indexed : {false, true}) {
    const ExtractedContext context = extract({{"x-datadog-trace-id", "1"},
                                              {"x-datadog-parent-id", "2"},
                                              {"traceparent", kTraceparent},
                                              {"tracestate", " dd=s:1,congo=x "}},
                                             indexed);
    ASSERT_EQ(context.span_links.size(), 1u);
    const SpanLink& link = context.span_links[0];
    EXPECT_EQ(link.trace_id.low, 0x8448eb211c80319cu);
    EXPECT_EQ(link.trace_id.high, 0x0af7651916cd43ddu);
    EXPECT_EQ(link.span_id, 0xb7ad6b7169203331u);
    EXPECT_EQ(link.tracestate, "dd=s:1,congo=x");
    EXPECT_EQ(link.flags, 1u);
    EXPECT_FALSE(context.additional_w3c_tracestate);
    EXPECT_EQ(context.trace_id.high, 0u);
  }
}

TEST(SecondaryTracecontext, InvalidTraceparentOrConflictsLeaveNoTrace) {
  for (const bool indexed : {false, true}) {
    std::vector<Error> diagnostics;
    const testing::IndexableHeaders reader(
        {{"x-datadog-trace-id", "1"},
         {"x-datadog-parent-id", "2"},
         {"traceparent", kTraceparent},
         {"traceparent", "00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203331-01"},
         {"tracestate", "dd=s:1,congo=x"}});
    const HeaderIndex index(reader);
    const ExtractedContext context =
        extract_context(indexed ? static_cast<const DictReader&>(index) : reader,
                        PropagationSettings{}, &diagnostics);
    EXPECT_TRUE(context.span_links.empty());
    EXPECT_FALSE(context.additional_w3c_tracestate);
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].code, Error::kMalformedTraceparent);
  }
}

// The usual traceparent of single headers is read inline; any other (padded, of a later
// version, malformed) by the general reading, which must judge it as before, with or
// without the index.
TEST(SecondaryTracecontext, UnusualTraceparentsAreReadInFull) {
  struct Case {
    std::string traceparent;
    bool valid;
  };
  const Case cases[] = {
      {kTraceparent, true},
      {std::string(" ") + kTraceparent + "\t", true},
      {"01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-later", true},
      {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x", false},
      {"00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", false},
      {"00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", false},
      {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.traceparent);
    for (const bool indexed : {false, true}) {
      std::vector<Error> diagnostics;
      const testing::IndexableHeaders reader({{"x-datadog-trace-id", "9532127138774266268"},
                                              {"x-datadog-parent-id", "1"},
                                              {"traceparent", c.traceparent},
                                              {"tracestate", "dd=s:1;p:00f067aa0ba902b7,a=1"}});
      const HeaderIndex index(reader);
      const ExtractedContext context =
          extract_context(indexed ? static_cast<const DictReader&>(index) : reader,
                          PropagationSettings{}, &diagnostics);
      EXPECT_EQ(context.style, PropagationStyle::kDatadog);
      if (c.valid) {
        EXPECT_TRUE(diagnostics.empty());
        EXPECT_EQ(context.parent_id, 0xb7ad6b7169203331u);
        EXPECT_EQ(context.datadog_last_parent_id, "00f067aa0ba902b7");
        EXPECT_EQ(context.additional_w3c_tracestate, "a=1");
      } else {
        ASSERT_EQ(diagnostics.size(), 1u);
        EXPECT_EQ(diagnostics[0].code, Error::kMalformedTraceparent);
        EXPECT_EQ(context.parent_id, 1u);
        EXPECT_FALSE(context.additional_w3c_tracestate);
      }
    }
  }
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
