// W3C tracestate: the dd= member, other vendors' members, and the spec's limits.
#include <gtest/gtest.h>

#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using testing::extract_from;
using testing::find_header;
using testing::find_tag;
using testing::has_code;
using testing::OwnedHeaders;
using S = PropagationStyle;

const PropagationSettings kW3cOnly = testing::styles({S::kTraceContext});
const char* const kSampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const char* const kUnsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

ExtractedContext extract_state(const std::string& tracestate, const char* traceparent = kSampled,
                               std::vector<Error>* diagnostics = nullptr) {
  return extract_from({{"traceparent", traceparent}, {"tracestate", tracestate}}, kW3cOnly,
                      diagnostics);
}

std::string members(int count, const char* prefix = "k") {
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    out += prefix + std::to_string(i) + "=v" + std::to_string(i);
  }
  return out;
}

TEST(TracestateExtract, DatadogMemberFields) {
  auto context =
      extract_state("foo=1,dd=s:2;o:rum~x;p:00000000000000bb;t.dm:-4;t.usr.id:a~b;x:y;z:w,bar=2");
  ASSERT_TRUE(context.has_trace());
  EXPECT_EQ(context.sampling_priority, 2);
  EXPECT_EQ(context.origin, "rum=x");
  EXPECT_EQ(context.datadog_last_parent_id, "00000000000000bb");
  EXPECT_EQ(context.trace_tags, (TagList{{"_dd.p.dm", "-4"}, {"_dd.p.usr.id", "a=b"}}));
  EXPECT_EQ(context.additional_datadog_w3c_tracestate, "x:y;z:w");
  EXPECT_EQ(context.additional_w3c_tracestate, "foo=1,bar=2");
}

TEST(TracestateExtract, NoDatadogMemberKeepsOthersAndUsesTheFlag) {
  auto context = extract_state("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", kUnsampled);
  EXPECT_EQ(context.sampling_priority, 0);
  EXPECT_FALSE(context.origin);
  EXPECT_FALSE(context.datadog_last_parent_id);
  EXPECT_FALSE(context.additional_datadog_w3c_tracestate);
  EXPECT_EQ(context.additional_w3c_tracestate, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
}

TEST(TracestateExtract, PriorityAgreesWithTheSampledFlag) {
  // s refines the flag when both say keep or both say drop.
  EXPECT_EQ(extract_state("dd=s:2", kSampled).sampling_priority, 2);
  EXPECT_EQ(extract_state("dd=s:-1", kUnsampled).sampling_priority, -1);
  // Otherwise the flag wins.
  EXPECT_EQ(extract_state("dd=s:2", kUnsampled).sampling_priority, 0);
  auto forced = extract_state("dd=s:-1;t.dm:-3", kSampled);
  EXPECT_EQ(forced.sampling_priority, 1);
  ASSERT_NE(find_tag(forced.trace_tags, "_dd.p.dm"), nullptr);
  EXPECT_EQ(*find_tag(forced.trace_tags, "_dd.p.dm"), "-0");
}

TEST(TracestateExtract, KeepDecidedOnlyByTheFlagHasDecisionMakerMinusZero) {
  // Sampled by a tracer that is not Datadog's: no s:, no t.dm.
  auto foreign = extract_state("foo=1", kSampled);
  EXPECT_EQ(foreign.sampling_priority, 1);
  EXPECT_EQ(foreign.trace_tags, (TagList{{"_dd.p.dm", "-0"}}));
  auto bare = extract_from({{"traceparent", kSampled}}, kW3cOnly);
  EXPECT_EQ(bare.trace_tags, (TagList{{"_dd.p.dm", "-0"}}));
  // A decision maker that was propagated is kept when s: does not contradict the flag.
  EXPECT_EQ(*find_tag(extract_state("dd=t.dm:-4", kSampled).trace_tags, "_dd.p.dm"), "-4");
  EXPECT_EQ(*find_tag(extract_state("dd=s:1;t.dm:-3", kSampled).trace_tags, "_dd.p.dm"), "-3");
  // A drop adds nothing.
  EXPECT_TRUE(extract_state("foo=1", kUnsampled).trace_tags.empty());
  EXPECT_TRUE(extract_state("dd=s:2", kUnsampled).trace_tags.empty());
}

TEST(TracestateExtract, MalformedDatadogFieldsAreSkipped) {
  auto context = extract_state("dd=s:abc;p:XYZ;p:123;o:;t.:x;nocolon");
  ASSERT_TRUE(context.has_trace());
  EXPECT_EQ(context.sampling_priority, 1);  // from the flag
  EXPECT_FALSE(context.origin);
  EXPECT_FALSE(context.datadog_last_parent_id);
}

TEST(TracestateExtract, TidInTracestateIsIgnored) {
  auto context = extract_state("dd=t.tid:1111111111111111;t.dm:-4");
  EXPECT_EQ(context.trace_id.high, 0x4bf92f3577b34da6ull);
  EXPECT_EQ(context.trace_tags, (TagList{{"_dd.p.dm", "-4"}}));
}

TEST(TracestateExtract, OwsAndEmptyMembersAreAllowed) {
  auto context = extract_state(" foo=1 ,\t, dd=s:2 ,,bar=2\t");
  ASSERT_TRUE(context.has_trace());
  EXPECT_EQ(context.sampling_priority, 2);
  EXPECT_EQ(context.additional_w3c_tracestate, "foo=1,bar=2");
}

TEST(TracestateExtract, RepeatedHeadersAreCombinedInOrder) {
  auto context = extract_from({{"traceparent", kSampled},
                               {"tracestate", "foo=1"},
                               {"x-other", "z"},
                               {"TraceState", "dd=s:2,bar=2"}},
                              kW3cOnly);
  EXPECT_EQ(context.sampling_priority, 2);
  EXPECT_EQ(context.additional_w3c_tracestate, "foo=1,bar=2");
}

TEST(TracestateExtract, ThirtyTwoMembersAreKept) {
  auto context = extract_state("dd=s:1," + members(31));
  ASSERT_TRUE(context.additional_w3c_tracestate);
  EXPECT_EQ(*context.additional_w3c_tracestate, members(31));
}

TEST(TracestateExtract, MoreThanThirtyTwoMembersDiscardTheTracestate) {
  std::vector<Error> diagnostics;
  auto context = extract_state("dd=s:2;o:rum," + members(32), kSampled, &diagnostics);
  ASSERT_TRUE(context.has_trace());  // the traceparent still counts
  EXPECT_EQ(context.sampling_priority, 1);
  EXPECT_FALSE(context.origin);
  EXPECT_FALSE(context.additional_w3c_tracestate);
  EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTracestate));
}

TEST(TracestateExtract, DuplicateKeysDiscardTheTracestate) {
  std::vector<Error> diagnostics;
  auto context = extract_state("foo=1,dd=s:2,foo=2", kSampled, &diagnostics);
  EXPECT_EQ(context.sampling_priority, 1);
  EXPECT_FALSE(context.additional_w3c_tracestate);
  EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTracestate));
  // Two dd members are duplicates as well.
  context = extract_state("dd=s:2,dd=s:-1");
  EXPECT_EQ(context.sampling_priority, 1);
}

TEST(TracestateExtract, InvalidMembersDiscardTheTracestate) {
  std::string long_value(257, 'v');
  std::string long_key(257, 'k');
  for (const std::string& bad :
       {std::string("Foo=1"), std::string("foo"), std::string("=1"), std::string("foo="),
        std::string("foo=a,b=c=d"), std::string("1foo@@x=1"), std::string("foo@1sys=1"),
        std::string("foo@systemlongerthan14=1"), "foo=" + long_value, long_key + "=1",
        std::string("foo=bar\x01"), std::string("f oo=1"), std::string("dd=s:2;o:\xc3\xa9")}) {
    std::vector<Error> diagnostics;
    auto context = extract_state("dd=s:2," + bad, kSampled, &diagnostics);
    ASSERT_TRUE(context.has_trace()) << bad;
    EXPECT_EQ(context.sampling_priority, 1) << bad;
    EXPECT_FALSE(context.additional_w3c_tracestate) << bad;
    EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTracestate)) << bad;
  }
}

TEST(TracestateExtract, ValidKeyForms) {
  std::string value_256(256, 'v');
  auto context = extract_state("a=1,0tenant@vendor=2,t*/_-9=3,x@y=4,k=" + value_256 + ",sp=a b");
  EXPECT_EQ(context.additional_w3c_tracestate,
            "a=1,0tenant@vendor=2,t*/_-9=3,x@y=4,k=" + value_256 + ",sp=a b");
}

InjectionContext basic_context() {
  InjectionContext context;
  context.trace_id = TraceId{0xa3ce929d0e0e4736ull, 0x4bf92f3577b34da6ull};
  context.span_id = 0xbbull;
  context.sampling_priority = 2;
  return context;
}

std::string inject_tracestate(const InjectionContext& context) {
  HeaderListWriter writer;
  inject_context(writer, context, kW3cOnly);
  return find_header(writer.headers(), "tracestate").value_or("<missing>");
}

TEST(TracestateInject, DatadogMemberFirstThenOthers) {
  const std::string origin = "synthetics";
  const TagList tags{
      {"_dd.p.dm", "-4"}, {"_dd.p.usr.id", "a=b"}, {"_dd.p.tid", "ff"}, {"other", "x"}};
  const std::string others = "foo=1,bar=2";
  const std::string extra_dd = "x:y";
  InjectionContext context = basic_context();
  context.origin = &origin;
  context.trace_tags = &tags;
  context.additional_w3c_tracestate = &others;
  context.additional_datadog_w3c_tracestate = &extra_dd;
  EXPECT_EQ(inject_tracestate(context),
            "dd=s:2;p:00000000000000bb;o:synthetics;t.dm:-4;t.usr.id:a~b;x:y,foo=1,bar=2");
}

TEST(TracestateInject, OriginCharactersAreReplaced) {
  const std::string origin = "a=b,c;d~e\x01 f ";
  InjectionContext context = basic_context();
  context.origin = &origin;
  EXPECT_EQ(inject_tracestate(context), "dd=s:2;p:00000000000000bb;o:a~b_c_d_e_ f_");
}

TEST(TracestateInject, DatadogMemberStaysWithin256Characters) {
  TagList tags;
  for (int i = 0; i < 40; ++i) tags.emplace_back("_dd.p.k" + std::to_string(i), "value");
  InjectionContext context = basic_context();
  context.trace_tags = &tags;
  const std::string value = inject_tracestate(context);
  EXPECT_LE(value.size(), 256u);
  EXPECT_GT(value.size(), 200u);  // filled as far as whole fields fit
  EXPECT_EQ(value.compare(0, 26, "dd=s:2;p:00000000000000bb;"), 0);
  auto round = extract_state(value);
  EXPECT_EQ(*find_tag(round.trace_tags, "_dd.p.k0"), "value");
}

TEST(TracestateInject, AtMostThirtyTwoMembersAndNoSecondDatadogMember) {
  const std::string others = "dd=s:1," + members(40) + ",bad key=1";
  InjectionContext context = basic_context();
  context.additional_w3c_tracestate = &others;
  const std::string value = inject_tracestate(context);
  EXPECT_EQ(value, "dd=s:2;p:00000000000000bb," + members(31));
  auto round = extract_state(value);
  EXPECT_EQ(round.additional_w3c_tracestate, members(31));
}

TEST(TracestateInject, DuplicateOrInvalidOtherMembersAreDropped) {
  const std::string others = "foo=1, foo=2 ,Bad=3,,bar=x";
  InjectionContext context = basic_context();
  context.additional_w3c_tracestate = &others;
  EXPECT_EQ(inject_tracestate(context), "dd=s:2;p:00000000000000bb,foo=1,bar=x");
}

}  // namespace
}  // namespace gatetrace
