// Several extraction styles at once: the first context wins, a tracecontext of the same
// trace lends its tracestate and parent, other traces become span links.
#include <gtest/gtest.h>

#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using testing::extract_from;
using testing::has_code;
using testing::OwnedHeaders;
using S = PropagationStyle;

// Trace 0x...2a (42) in W3C form, parent 0x...bb; Datadog headers of the same trace.
const char* const kTraceparent42 = "00-0000000000000000000000000000002a-00000000000000bb-01";

const std::string* attribute(const SpanLink& link, std::string_view key) {
  for (const auto& [k, v] : link.attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

TEST(ExtractMerge, FirstStyleWithAContextWins) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "187"},
                       {"x-datadog-sampling-priority", "2"},
                       {"traceparent", kTraceparent42}};
  auto datadog_first = extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}));
  EXPECT_EQ(datadog_first.style, S::kDatadog);
  EXPECT_EQ(datadog_first.sampling_priority, 2);
  auto w3c_first = extract_from(headers, testing::styles({S::kTraceContext, S::kDatadog}));
  EXPECT_EQ(w3c_first.style, S::kTraceContext);
  EXPECT_EQ(w3c_first.sampling_priority, 1);
}

// The first style to run fills the returned context in place: one that fails after
// reading some headers (here the Datadog origin and tags) must leave nothing behind
// for the style that then finds the trace.
TEST(ExtractMerge, FailedFirstStyleLeavesNothingInTheChosenContext) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},       {"x-datadog-parent-id", "x"},
                       {"x-datadog-origin", "synthetics"}, {"x-datadog-tags", "_dd.p.usr=1"},
                       {"traceparent", kTraceparent42},    {"tracestate", "dd=s:1,congo=t61"}};
  auto context = extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}));
  EXPECT_EQ(context.style, S::kTraceContext);
  EXPECT_FALSE(context.origin);
  EXPECT_EQ(context.parent_id, 0xbbu);
  EXPECT_EQ(context.additional_w3c_tracestate, "congo=t61");
  ASSERT_EQ(context.trace_tags.size(), 0u);
  EXPECT_TRUE(context.span_links.empty());
}

TEST(ExtractMerge, LaterStyleIsUsedWhenEarlierOnesFindNothing) {
  OwnedHeaders headers{{"x-datadog-trace-id", "garbage"},
                       {"x-b3-traceid", "000000000000002a"},
                       {"x-b3-spanid", "00000000000000bb"}};
  std::vector<Error> diagnostics;
  auto context = extract_from(
      headers, testing::styles({S::kDatadog, S::kTraceContext, S::kB3Multi}), &diagnostics);
  EXPECT_EQ(context.style, S::kB3Multi);
  EXPECT_EQ(context.trace_id.low, 42u);
  EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTraceId));
  EXPECT_TRUE(context.span_links.empty());
}

TEST(ExtractMerge, SameTraceSameParentTakesTracestateExtras) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "187"},  // 0xbb
                       {"x-datadog-origin", "rum"},
                       {"traceparent", kTraceparent42},
                       {"tracestate", "dd=s:1;p:0000000000000099;x:y,foo=bar"}};
  auto context = extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}));
  EXPECT_EQ(context.style, S::kDatadog);
  EXPECT_EQ(context.parent_id, 187u);
  EXPECT_EQ(context.origin, "rum");
  EXPECT_EQ(context.additional_w3c_tracestate, "foo=bar");
  EXPECT_EQ(context.additional_datadog_w3c_tracestate, "x:y");
  EXPECT_FALSE(context.datadog_last_parent_id);  // same parent: nothing to remember
  EXPECT_TRUE(context.span_links.empty());
}

TEST(ExtractMerge, SameTraceOtherParentUsesW3cParentAndRemembersP) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "5"},
                       {"traceparent", kTraceparent42},
                       {"tracestate", "dd=s:1;p:0000000000000099,foo=bar"}};
  auto context = extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}));
  EXPECT_EQ(context.style, S::kDatadog);
  EXPECT_EQ(context.parent_id, 0xbbu);
  EXPECT_EQ(context.datadog_last_parent_id, "0000000000000099");
  EXPECT_EQ(context.additional_w3c_tracestate, "foo=bar");
}

TEST(ExtractMerge, SameTraceOtherParentWithoutPRemembersTheDatadogParent) {
  for (const char* tracestate : {"foo=bar", "dd=s:1;p:0000000000000000"}) {
    OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                         {"x-datadog-parent-id", "5"},
                         {"traceparent", kTraceparent42},
                         {"tracestate", tracestate}};
    auto context = extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}));
    EXPECT_EQ(context.parent_id, 0xbbu) << tracestate;
    EXPECT_EQ(context.datadog_last_parent_id, "0000000000000005") << tracestate;
  }
}

TEST(ExtractMerge, B3WinnerAlsoTakesW3cParentAndDatadogParent) {
  OwnedHeaders headers{{"x-b3-traceid", "000000000000002a"},
                       {"x-b3-spanid", "0000000000000007"},
                       {"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "5"},
                       {"traceparent", kTraceparent42}};
  auto context =
      extract_from(headers, testing::styles({S::kB3Multi, S::kDatadog, S::kTraceContext}));
  EXPECT_EQ(context.style, S::kB3Multi);
  EXPECT_EQ(context.parent_id, 0xbbu);
  EXPECT_EQ(context.datadog_last_parent_id, "0000000000000005");
  EXPECT_TRUE(context.span_links.empty());
}

TEST(ExtractMerge, TracecontextWinnerKeepsItsOwnP) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "5"},
                       {"traceparent", kTraceparent42},
                       {"tracestate", "dd=p:0000000000000099"}};
  auto context = extract_from(headers, testing::styles({S::kTraceContext, S::kDatadog}));
  EXPECT_EQ(context.parent_id, 0xbbu);
  EXPECT_EQ(context.datadog_last_parent_id, "0000000000000099");
}

// A tracecontext merged into another style's context reads `p:` only at the merge:
// the last valid one counts, invalid ones are skipped, repeated tracestate headers are
// one list, and the chosen context's fields are not touched by the merged one's dd member.
TEST(ExtractMerge, MergedTracecontextReadsTheLastValidP) {
  const std::pair<std::vector<std::string>, const char*> cases[] = {
      {{"dd=p:0000000000000099;p:00000000000000aa"}, "00000000000000aa"},
      {{"dd=p:0000000000000099;p:00000000000000AA"}, "0000000000000099"},
      {{"dd=p:0000000000000099;p:99"}, "0000000000000099"},
      {{"dd=p:0000000000000000;p:0000000000000099"}, "0000000000000099"},
      {{"dd=p:0000000000000099;p:0000000000000000"}, "0000000000000005"},
      {{"foo=1", "dd=s:2;p:00000000000000cc;o:x;t.dm:-3"}, "00000000000000cc"},
      {{"dd=p:00000000000000cc, bad key=1"}, "0000000000000005"},  // invalid: ignored whole
  };
  for (const auto& [tracestates, expected] : cases) {
    OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                         {"x-datadog-parent-id", "5"},
                         {"x-datadog-sampling-priority", "1"},
                         {"traceparent", kTraceparent42}};
    for (const auto& tracestate : tracestates) headers.emplace_back("tracestate", tracestate);
    auto context = extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}));
    EXPECT_EQ(context.style, S::kDatadog);
    EXPECT_EQ(context.parent_id, 0xbbu);
    EXPECT_EQ(context.datadog_last_parent_id, expected) << tracestates.back();
    EXPECT_EQ(context.sampling_priority, 1);
    EXPECT_FALSE(context.origin);
    EXPECT_TRUE(context.trace_tags.empty());
  }
}

TEST(ExtractMerge, MergedTracecontextLendsOnlyUnknownDatadogSubkeys) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "187"},
                       {"x-datadog-tags", "_dd.p.dm=-4"},
                       {"traceparent", kTraceparent42},
                       {"tracestate", "dd=s:2;o:rum;t.dm:-3;t.:v;a:1;t.usr:x;b:2,foo=bar"}};
  auto context = extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}));
  EXPECT_EQ(context.trace_tags, (TagList{{"_dd.p.dm", "-4"}}));
  EXPECT_FALSE(context.origin);
  EXPECT_FALSE(context.sampling_priority);
  EXPECT_EQ(context.additional_datadog_w3c_tracestate, "t.:v;a:1;b:2");
  EXPECT_EQ(context.additional_w3c_tracestate, "foo=bar");
}

TEST(ExtractMerge, OtherTraceBecomesASpanLink) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "5"},
                       {"x-datadog-sampling-priority", "1"},
                       {"traceparent", "00-000000000000000100000000000000ff-00000000000000cc-01"},
                       {"tracestate", "dd=s:2,foo=bar"},
                       {"b3", "0000000000000063-00000000000000dd-0"}};
  auto context =
      extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext, S::kB3Single}));
  EXPECT_EQ(context.trace_id, (TraceId{42, 0}));
  EXPECT_EQ(context.parent_id, 5u);
  EXPECT_FALSE(context.additional_w3c_tracestate);  // not mixed in
  ASSERT_EQ(context.span_links.size(), 2u);

  const SpanLink& w3c = context.span_links[0];
  EXPECT_EQ(w3c.trace_id, (TraceId{0xff, 1}));
  EXPECT_EQ(w3c.span_id, 0xccu);
  EXPECT_EQ(w3c.tracestate, "dd=s:2,foo=bar");
  EXPECT_EQ(w3c.flags, 1u);
  ASSERT_NE(attribute(w3c, "reason"), nullptr);
  EXPECT_EQ(*attribute(w3c, "reason"), "terminated_context");
  EXPECT_EQ(*attribute(w3c, "context_headers"), "tracecontext");
  EXPECT_EQ(w3c.attributes.size(), 2u);

  const SpanLink& b3 = context.span_links[1];
  EXPECT_EQ(b3.trace_id, (TraceId{0x63, 0}));
  EXPECT_EQ(b3.span_id, 0xddu);
  EXPECT_EQ(b3.flags, 0u);
  EXPECT_EQ(*attribute(b3, "context_headers"), "b3");
  EXPECT_TRUE(b3.tracestate.empty());
}

TEST(ExtractMerge, TidAgreeingWithTraceparentGivesOneTrace) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "187"},
                       {"x-datadog-tags", "_dd.p.tid=640cfd8d00000000"},
                       {"traceparent", "00-640cfd8d00000000000000000000002a-00000000000000bb-01"}};
  std::vector<Error> diagnostics;
  auto context =
      extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}), &diagnostics);
  EXPECT_EQ(context.trace_id, (TraceId{42, 0x640cfd8d00000000ull}));
  EXPECT_TRUE(context.span_links.empty());
  EXPECT_TRUE(diagnostics.empty());
}

TEST(ExtractMerge, TidDisagreeingWithTraceparentLosesWithADiagnostic) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "187"},
                       {"x-datadog-tags", "_dd.p.tid=1111111100000000"},
                       {"traceparent", "00-640cfd8d00000000000000000000002a-00000000000000bb-01"}};
  std::vector<Error> diagnostics;
  auto context =
      extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}), &diagnostics);
  EXPECT_EQ(context.trace_id, (TraceId{42, 0x640cfd8d00000000ull}));
  EXPECT_EQ(context.style, S::kDatadog);
  EXPECT_TRUE(context.span_links.empty());
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_NE(diagnostics[0].message.find("1111111100000000"), std::string::npos);
}

TEST(ExtractMerge, SixtyFourBitDatadogTakesTheHighHalfFromTraceparent) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "187"},
                       {"traceparent", "00-640cfd8d00000000000000000000002a-00000000000000bb-01"}};
  std::vector<Error> diagnostics;
  auto context =
      extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext}), &diagnostics);
  EXPECT_EQ(context.trace_id, (TraceId{42, 0x640cfd8d00000000ull}));
  EXPECT_TRUE(diagnostics.empty());
}

TEST(ExtractMerge, StylesListedTwiceRunOnce) {
  OwnedHeaders headers{{"x-datadog-trace-id", "bad"}};
  std::vector<Error> diagnostics;
  PropagationSettings settings;
  settings.extract = {S::kDatadog, S::kDatadog, S::kNone, S::kDatadog};
  auto context = extract_from(headers, settings, &diagnostics);
  EXPECT_FALSE(context.has_trace());
  EXPECT_EQ(diagnostics.size(), 1u);
}

TEST(ExtractMerge, PropagationErrorComesFromTheWinner) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "187"},
                       {"x-datadog-tags", "garbage"},
                       {"traceparent", kTraceparent42}};
  EXPECT_EQ(
      extract_from(headers, testing::styles({S::kDatadog, S::kTraceContext})).propagation_error,
      "decoding_error");
  EXPECT_FALSE(
      extract_from(headers, testing::styles({S::kTraceContext, S::kDatadog})).propagation_error);
}

TEST(ExtractMerge, NoHeadersNoContextNoDiagnostics) {
  std::vector<Error> diagnostics;
  auto context = extract_from({{"accept", "*/*"}}, PropagationSettings{}, &diagnostics);
  EXPECT_FALSE(context.has_trace());
  EXPECT_FALSE(context.style);
  EXPECT_TRUE(diagnostics.empty());
}

}  // namespace
}  // namespace gatetrace
