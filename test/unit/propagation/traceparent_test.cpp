// W3C traceparent validation, after the spec and its test suite.
#include <gtest/gtest.h>

#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using testing::extract_from;
using testing::find_header;
using testing::has_code;
using testing::OwnedHeaders;
using S = PropagationStyle;

const PropagationSettings kW3cOnly = testing::styles({S::kTraceContext});

ExtractedContext extract_traceparent(const std::string& value,
                                     std::vector<Error>* diagnostics = nullptr) {
  return extract_from({{"traceparent", value}}, kW3cOnly, diagnostics);
}

TEST(Traceparent, SpecExample) {
  auto context = extract_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(context.has_trace());
  EXPECT_EQ(context.trace_id, (TraceId{0xa3ce929d0e0e4736ull, 0x4bf92f3577b34da6ull}));
  EXPECT_EQ(context.parent_id, 0x00f067aa0ba902b7ull);
  EXPECT_EQ(context.sampling_priority, 1);
  EXPECT_EQ(context.style, S::kTraceContext);
}

TEST(Traceparent, UnsampledFlagMeansPriorityZero) {
  auto context = extract_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  EXPECT_EQ(context.sampling_priority, 0);
}

TEST(Traceparent, OtherFlagBitsAreIgnoredButSampledBitCounts) {
  EXPECT_EQ(extract_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff")
                .sampling_priority,
            1);
  EXPECT_EQ(extract_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-fe")
                .sampling_priority,
            0);
}

TEST(Traceparent, SixtyFourBitTraceIdHasZeroHighHalf) {
  auto context = extract_traceparent("00-0000000000000000000000000000002a-0000000000000001-01");
  EXPECT_EQ(context.trace_id, (TraceId{42, 0}));
}

TEST(Traceparent, SurroundingWhitespaceIsTrimmed) {
  auto context = extract_traceparent(" \t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ");
  EXPECT_TRUE(context.has_trace());
}

TEST(Traceparent, FutureVersionWithExtraFieldsReadsTheFirstFour) {
  auto context = extract_traceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future");
  ASSERT_TRUE(context.has_trace());
  EXPECT_EQ(context.parent_id, 0x00f067aa0ba902b7ull);
  EXPECT_TRUE(
      extract_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").has_trace());
}

struct InvalidCase {
  const char* name;
  const char* value;
};

class InvalidTraceparent : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidTraceparent, YieldsNoContextAndADiagnostic) {
  std::vector<Error> diagnostics;
  auto context = extract_traceparent(GetParam().value, &diagnostics);
  EXPECT_FALSE(context.has_trace());
  EXPECT_FALSE(context.sampling_priority);
  EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTraceparent));
}

INSTANTIATE_TEST_SUITE_P(
    W3cVectors, InvalidTraceparent,
    ::testing::Values(
        InvalidCase{"VersionFF", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        InvalidCase{"AllZeroTraceId", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
        InvalidCase{"AllZeroParentId", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"},
        InvalidCase{"UppercaseTraceId", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
        InvalidCase{"UppercaseParentId", "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"},
        InvalidCase{"UppercaseVersion", "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        InvalidCase{"UppercaseFlags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"},
        InvalidCase{"ShortTraceId", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"},
        InvalidCase{"LongTraceId", "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01"},
        InvalidCase{"ShortParentId", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01"},
        InvalidCase{"LongParentId", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b77-01"},
        InvalidCase{"ShortFlags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"},
        InvalidCase{"LongVersion", "000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        InvalidCase{"Version00WithExtraField",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"},
        InvalidCase{"Version00WithTrailingChar",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01."},
        InvalidCase{"FutureVersionWithoutDashBeforeExtra",
                    "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"},
        InvalidCase{"NonHexTraceId", "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01"},
        InvalidCase{"NonHexVersion", "g0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        InvalidCase{"WrongSeparators", "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"},
        InvalidCase{"Empty", ""}, InvalidCase{"Garbage", "hello"},
        InvalidCase{"ControlCharacter",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\x01"}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) { return std::string(info.param.name); });

TEST(Traceparent, RepeatedWithDifferentValuesIsIgnored) {
  std::vector<Error> diagnostics;
  auto context =
      extract_from({{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                    {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b7-01"}},
                   kW3cOnly, &diagnostics);
  EXPECT_FALSE(context.has_trace());
  EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTraceparent));
}

TEST(Traceparent, RepeatedWithTheSameValueIsFine) {
  const std::string value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto context = extract_from({{"traceparent", value}, {"Traceparent", value}}, kW3cOnly);
  EXPECT_TRUE(context.has_trace());
}

TEST(Traceparent, InvalidTraceparentMeansTracestateIsIgnored) {
  auto context =
      extract_from({{"traceparent", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                    {"tracestate", "dd=s:2;o:rum,foo=bar"}},
                   kW3cOnly);
  EXPECT_FALSE(context.has_trace());
  EXPECT_FALSE(context.origin);
  EXPECT_FALSE(context.additional_w3c_tracestate);
}

TEST(TraceparentInject, AllThirtyTwoDigitsAndFlags) {
  InjectionContext context;
  context.trace_id = TraceId{0xa3ce929d0e0e4736ull, 0x4bf92f3577b34da6ull};
  context.span_id = 0x00f067aa0ba902b7ull;
  context.sampling_priority = 2;
  HeaderListWriter writer;
  inject_context(writer, context, kW3cOnly);
  EXPECT_EQ(find_header(writer.headers(), "traceparent"),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

  for (int priority : {0, -1}) {
    context.sampling_priority = priority;
    HeaderListWriter dropped;
    inject_context(dropped, context, kW3cOnly);
    EXPECT_EQ(find_header(dropped.headers(), "traceparent"),
              "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  }
}

TEST(TraceparentInject, SixtyFourBitIdIsZeroPadded) {
  InjectionContext context;
  context.trace_id = TraceId{42, 0};
  context.span_id = 1;
  HeaderListWriter writer;
  inject_context(writer, context, kW3cOnly);
  EXPECT_EQ(find_header(writer.headers(), "traceparent"),
            "00-0000000000000000000000000000002a-0000000000000001-01");
}

TEST(TraceparentInject, ZeroSpanIdWritesNothingInvalid) {
  InjectionContext context;
  context.trace_id = TraceId{42, 0};
  context.span_id = 0;
  HeaderListWriter writer;
  inject_context(writer, context, kW3cOnly);
  EXPECT_FALSE(find_header(writer.headers(), "traceparent"));
}

// A reader that offers only lookup and visit (no entry array), as most framework
// adapters do: repeated W3C headers are then found through `visit`.
class VisitOnlyReader final : public DictReader {
 public:
  explicit VisitOnlyReader(const HeaderListReader& inner) : inner_(inner) {}
  std::optional<std::string_view> lookup(std::string_view key) const override {
    return inner_.lookup(key);
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    inner_.visit(visitor);
  }

 private:
  const HeaderListReader& inner_;
};

TEST(Traceparent, RepeatedHeadersAreFoundThroughVisitWithoutAnEntryArray) {
  const HeaderListReader::Headers conflicting = {
      {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b7-01"}};
  const HeaderListReader conflicting_list(conflicting);
  const VisitOnlyReader conflicting_reader(conflicting_list);
  ASSERT_FALSE(conflicting_reader.visit_is_indexable());
  std::vector<Error> diagnostics;
  EXPECT_FALSE(extract_context(conflicting_reader, kW3cOnly, &diagnostics).has_trace());
  EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTraceparent));

  const HeaderListReader::Headers split_state = {
      {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"tracestate", "foo=1"},
      {"x-other", "z"},
      {"TraceState", "dd=s:2,bar=2"}};
  const HeaderListReader split_list(split_state);
  const VisitOnlyReader split_reader(split_list);
  const ExtractedContext context = extract_context(split_reader, kW3cOnly);
  EXPECT_EQ(context.sampling_priority, 2);
  EXPECT_EQ(context.additional_w3c_tracestate, "foo=1,bar=2");
}
}  // namespace
}  // namespace gatetrace
