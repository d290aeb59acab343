// Inject then extract, for every style alone and every ordered pair of styles, and for
// each sampling priority: the downstream side must see the same trace.
#include <gtest/gtest.h>

#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using S = PropagationStyle;

struct RoundTripCase {
  std::vector<S> styles;
  int priority;
};

std::vector<RoundTripCase> all_cases() {
  const std::vector<S> trace_styles{S::kDatadog, S::kTraceContext, S::kB3Multi, S::kB3Single};
  std::vector<RoundTripCase> cases;
  for (int priority : {-1, 0, 1, 2}) {
    for (S first : trace_styles) {
      cases.push_back({{first, S::kBaggage}, priority});
      for (S second : trace_styles) {
        if (second != first) cases.push_back({{first, second, S::kBaggage}, priority});
      }
    }
  }
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<RoundTripCase>& info) {
  std::string name;
  for (S style : info.param.styles) name += std::string(to_string(style)) + "_";
  name += info.param.priority < 0 ? "minus" + std::to_string(-info.param.priority)
                                  : std::to_string(info.param.priority);
  return name;
}

// What a style can say of a priority: B3 only knows drop, keep and debug.
int expected_priority(S style, int priority) {
  if (style == S::kB3Multi || style == S::kB3Single) return priority <= 0 ? 0 : priority;
  return priority;
}

bool carries_datadog_fields(S style) { return style == S::kDatadog || style == S::kTraceContext; }

class RoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTrip, DownstreamSeesTheSameTrace) {
  const RoundTripCase& param = GetParam();
  const std::string origin = "synthetics-browser";
  const TagList tags{{"_dd.p.dm", "-4"}, {"_dd.p.usr.id", "dXNlcg=="}};
  const TagList baggage{{"user.id", "alice"}, {"region", "eu west"}};
  InjectionContext context;
  context.trace_id = TraceId{0x1122334455667788ull, 0x6543210f00000000ull};
  context.span_id = 0x0102030405060708ull;
  context.sampling_priority = param.priority;
  context.origin = &origin;
  context.trace_tags = &tags;
  context.baggage = &baggage;

  const PropagationSettings settings = testing::styles(param.styles);
  HeaderListWriter writer;
  std::optional<std::string> error;
  inject_context(writer, context, settings, &error);
  EXPECT_FALSE(error);
  for (const auto& [name, value] : writer.headers()) {
    EXPECT_TRUE(testing::is_clean_header_value(value)) << name << ": " << value;
  }

  std::vector<Error> diagnostics;
  const ExtractedContext extracted =
      testing::extract_from(writer.headers(), settings, &diagnostics);
  EXPECT_TRUE(diagnostics.empty()) << diagnostics.front().message;
  ASSERT_TRUE(extracted.has_trace());
  const S first = param.styles.front();
  EXPECT_EQ(extracted.style, first);
  EXPECT_EQ(extracted.trace_id, context.trace_id);
  EXPECT_EQ(extracted.parent_id, context.span_id);
  EXPECT_EQ(extracted.sampling_priority, expected_priority(first, param.priority));
  EXPECT_TRUE(extracted.span_links.empty());
  EXPECT_FALSE(extracted.datadog_last_parent_id && first != S::kTraceContext);
  EXPECT_EQ(extracted.baggage, baggage);
  if (carries_datadog_fields(first)) {
    EXPECT_EQ(extracted.origin, origin);
    EXPECT_EQ(extracted.trace_tags, tags);
  } else {
    EXPECT_FALSE(extracted.origin);
    EXPECT_TRUE(extracted.trace_tags.empty());
  }
  if (first == S::kTraceContext) {
    EXPECT_EQ(extracted.datadog_last_parent_id, "0102030405060708");
  }
}

INSTANTIATE_TEST_SUITE_P(StylesAndPairs, RoundTrip, ::testing::ValuesIn(all_cases()), case_name);

TEST(RoundTripTracestate, OtherVendorsAndUnknownDatadogFieldsSurvive) {
  const PropagationSettings settings = testing::styles({S::kTraceContext});
  const auto first = testing::extract_from(
      {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
       {"tracestate", "rojo=00f067aa0ba902b7,dd=s:2;o:rum;t.dm:-4;zz:1,congo=t61rcWkgMzE"}},
      settings);
  ASSERT_TRUE(first.has_trace());
  InjectionContext context;
  context.trace_id = first.trace_id;
  context.span_id = 0xabc;
  context.sampling_priority = *first.sampling_priority;
  context.origin = &*first.origin;
  context.trace_tags = &first.trace_tags;
  context.additional_w3c_tracestate = &*first.additional_w3c_tracestate;
  context.additional_datadog_w3c_tracestate = &*first.additional_datadog_w3c_tracestate;
  HeaderListWriter writer;
  inject_context(writer, context, settings);
  EXPECT_EQ(testing::find_header(writer.headers(), "tracestate"),
            "dd=s:2;p:0000000000000abc;o:rum;t.dm:-4;zz:1,rojo=00f067aa0ba902b7,"
            "congo=t61rcWkgMzE");
}

TEST(RoundTripDatadog, SixtyFourBitTraceHasNoTid) {
  InjectionContext context;
  context.trace_id = TraceId{99, 0};
  context.span_id = 7;
  HeaderListWriter writer;
  const auto settings = testing::styles({S::kDatadog, S::kTraceContext});
  inject_context(writer, context, settings);
  EXPECT_FALSE(testing::find_header(writer.headers(), "x-datadog-tags"));
  auto extracted = testing::extract_from(writer.headers(), settings);
  EXPECT_EQ(extracted.trace_id, (TraceId{99, 0}));
  EXPECT_EQ(extracted.parent_id, 7u);
}

}  // namespace
}  // namespace gatetrace
