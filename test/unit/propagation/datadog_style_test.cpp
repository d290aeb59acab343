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

const PropagationSettings kDatadogOnly = testing::styles({S::kDatadog});

TEST(DatadogExtract, ReadsEveryHeader) {
  OwnedHeaders headers{{"x-datadog-trace-id", "1234"},
                       {"x-datadog-parent-id", "5678"},
                       {"x-datadog-sampling-priority", "2"},
                       {"x-datadog-origin", "synthetics"},
                       {"x-datadog-tags", "_dd.p.dm=-4,_dd.p.usr.id=baz64"}};
  std::vector<Error> diagnostics;
  auto context = extract_from(headers, kDatadogOnly, &diagnostics);
  ASSERT_TRUE(context.has_trace());
  EXPECT_TRUE(diagnostics.empty());
  EXPECT_EQ(context.trace_id, (TraceId{1234, 0}));
  EXPECT_EQ(context.parent_id, 5678u);
  EXPECT_EQ(context.sampling_priority, 2);
  EXPECT_EQ(context.origin, "synthetics");
  EXPECT_EQ(context.style, S::kDatadog);
  EXPECT_EQ(context.trace_tags, (TagList{{"_dd.p.dm", "-4"}, {"_dd.p.usr.id", "baz64"}}));
  EXPECT_FALSE(context.propagation_error);
}

TEST(DatadogExtract, HeaderNamesAreCaseInsensitive) {
  OwnedHeaders headers{{"X-Datadog-Trace-Id", "1"}, {"X-DATADOG-PARENT-ID", "2"}};
  auto context = extract_from(headers, kDatadogOnly);
  EXPECT_EQ(context.trace_id.low, 1u);
  EXPECT_EQ(context.parent_id, 2u);
}

TEST(DatadogExtract, MaxUint64IdsAndSurroundingWhitespace) {
  OwnedHeaders headers{{"x-datadog-trace-id", " 18446744073709551615\t"},
                       {"x-datadog-parent-id", "18446744073709551615"}};
  auto context = extract_from(headers, kDatadogOnly);
  EXPECT_EQ(context.trace_id.low, 18446744073709551615ull);
  EXPECT_EQ(context.parent_id, 18446744073709551615ull);
}

TEST(DatadogExtract, OverflowingOrNonDecimalTraceIdYieldsNothing) {
  for (const char* bad : {"18446744073709551616", "99999999999999999999999", "-1", "+5", "0x10",
                          "12a", "", " ", "0", "1 2"}) {
    OwnedHeaders headers{{"x-datadog-trace-id", bad}, {"x-datadog-parent-id", "1"}};
    std::vector<Error> diagnostics;
    auto context = extract_from(headers, kDatadogOnly, &diagnostics);
    EXPECT_FALSE(context.has_trace()) << bad;
    EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTraceId)) << bad;
  }
}

TEST(DatadogExtract, MalformedParentIdYieldsNothing) {
  OwnedHeaders headers{{"x-datadog-trace-id", "1"}, {"x-datadog-parent-id", "abc"}};
  std::vector<Error> diagnostics;
  auto context = extract_from(headers, kDatadogOnly, &diagnostics);
  EXPECT_FALSE(context.has_trace());
  ASSERT_TRUE(has_code(diagnostics, Error::kMalformedParentId));
  EXPECT_NE(diagnostics[0].message.find("x-datadog-parent-id"), std::string::npos);
  EXPECT_NE(diagnostics[0].message.find("'abc'"), std::string::npos);
}

TEST(DatadogExtract, MissingParentWithoutOriginYieldsNothing) {
  OwnedHeaders headers{{"x-datadog-trace-id", "77"}, {"x-datadog-sampling-priority", "1"}};
  std::vector<Error> diagnostics;
  auto context = extract_from(headers, kDatadogOnly, &diagnostics);
  EXPECT_FALSE(context.has_trace());
  EXPECT_FALSE(context.sampling_priority);
  EXPECT_TRUE(has_code(diagnostics, Error::kMissingParentId));
}

TEST(DatadogExtract, MissingParentWithOriginIsASyntheticRoot) {
  OwnedHeaders headers{{"x-datadog-trace-id", "77"}, {"x-datadog-origin", "synthetics"}};
  auto context = extract_from(headers, kDatadogOnly);
  ASSERT_TRUE(context.has_trace());
  EXPECT_FALSE(context.parent_id);
  EXPECT_EQ(context.origin, "synthetics");
}

TEST(DatadogExtract, ParentOnlyYieldsNothingSilently) {
  OwnedHeaders headers{{"x-datadog-parent-id", "5"}};
  std::vector<Error> diagnostics;
  auto context = extract_from(headers, kDatadogOnly, &diagnostics);
  EXPECT_FALSE(context.has_trace());
  EXPECT_TRUE(diagnostics.empty());
}

TEST(DatadogExtract, MalformedPriorityIsIgnoredButTheContextKept) {
  for (const char* bad : {"high", "1.5", "99999999999", ""}) {
    OwnedHeaders headers{{"x-datadog-trace-id", "1"},
                         {"x-datadog-parent-id", "2"},
                         {"x-datadog-sampling-priority", bad}};
    std::vector<Error> diagnostics;
    auto context = extract_from(headers, kDatadogOnly, &diagnostics);
    EXPECT_TRUE(context.has_trace()) << bad;
    EXPECT_FALSE(context.sampling_priority) << bad;
    EXPECT_TRUE(has_code(diagnostics, Error::kMalformedSamplingPriority)) << bad;
  }
}

TEST(DatadogExtract, NegativePriorityIsRead) {
  OwnedHeaders headers{{"x-datadog-trace-id", "1"},
                       {"x-datadog-parent-id", "2"},
                       {"x-datadog-sampling-priority", "-1"}};
  EXPECT_EQ(extract_from(headers, kDatadogOnly).sampling_priority, -1);
}

TEST(DatadogExtract, OriginWithControlCharactersIsDropped) {
  OwnedHeaders headers{{"x-datadog-trace-id", "1"},
                       {"x-datadog-parent-id", "2"},
                       {"x-datadog-origin", "rum\r\nx-evil: 1"}};
  std::vector<Error> diagnostics;
  auto context = extract_from(headers, kDatadogOnly, &diagnostics);
  EXPECT_TRUE(context.has_trace());
  EXPECT_FALSE(context.origin);
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_EQ(diagnostics[0].message.find('\r'), std::string::npos);
}

TEST(DatadogInject, WritesEveryHeader) {
  const std::string origin = "rum";
  const TagList tags{{"_dd.p.dm", "-4"}, {"_dd.p.usr.id", "x"}, {"user.tag", "not-propagated"}};
  InjectionContext context;
  context.trace_id = TraceId{12345, 0};
  context.span_id = 678;
  context.sampling_priority = -1;
  context.origin = &origin;
  context.trace_tags = &tags;
  HeaderListWriter writer;
  std::optional<std::string> error;
  inject_context(writer, context, kDatadogOnly, &error);
  const auto& headers = writer.headers();
  EXPECT_EQ(headers.size(), 5u);
  EXPECT_EQ(find_header(headers, "x-datadog-trace-id"), "12345");
  EXPECT_EQ(find_header(headers, "x-datadog-parent-id"), "678");
  EXPECT_EQ(find_header(headers, "x-datadog-sampling-priority"), "-1");
  EXPECT_EQ(find_header(headers, "x-datadog-origin"), "rum");
  EXPECT_EQ(find_header(headers, "x-datadog-tags"), "_dd.p.dm=-4,_dd.p.usr.id=x");
  EXPECT_FALSE(error);
}

TEST(DatadogInject, NoOriginNoTagsMeansNoSuchHeaders) {
  InjectionContext context;
  context.trace_id = TraceId{1, 0};
  context.span_id = 2;
  HeaderListWriter writer;
  inject_context(writer, context, kDatadogOnly);
  EXPECT_EQ(writer.headers().size(), 3u);
  EXPECT_FALSE(find_header(writer.headers(), "x-datadog-origin"));
  EXPECT_FALSE(find_header(writer.headers(), "x-datadog-tags"));
}

TEST(DatadogInject, OriginWithControlCharactersIsNotWritten) {
  const std::string origin = "a\nb";
  InjectionContext context;
  context.trace_id = TraceId{1, 0};
  context.span_id = 2;
  context.origin = &origin;
  HeaderListWriter writer;
  inject_context(writer, context, kDatadogOnly);
  EXPECT_FALSE(find_header(writer.headers(), "x-datadog-origin"));
  EXPECT_EQ(find_header(writer.headers(), "x-datadog-trace-id"), "1");
}

TEST(DatadogInject, MaxIdsAreWrittenInFull) {
  InjectionContext context;
  context.trace_id = TraceId{~0ull, 0};
  context.span_id = ~0ull;
  HeaderListWriter writer;
  inject_context(writer, context, kDatadogOnly);
  EXPECT_EQ(find_header(writer.headers(), "x-datadog-trace-id"), "18446744073709551615");
  EXPECT_EQ(find_header(writer.headers(), "x-datadog-parent-id"), "18446744073709551615");
}

TEST(InjectContext, NothingWithoutATrace) {
  InjectionContext context;
  context.span_id = 5;
  HeaderListWriter writer;
  inject_context(writer, context,
                 testing::styles({S::kDatadog, S::kTraceContext, S::kB3Multi, S::kB3Single}));
  EXPECT_TRUE(writer.headers().empty());
}

TEST(InjectContext, NoneStyleWritesNothing) {
  InjectionContext context;
  context.trace_id = TraceId{1, 0};
  context.span_id = 5;
  HeaderListWriter writer;
  inject_context(writer, context, testing::styles({S::kNone}));
  EXPECT_TRUE(writer.headers().empty());
  EXPECT_FALSE(extract_from({{"x-datadog-trace-id", "1"}, {"x-datadog-parent-id", "2"}},
                            testing::styles({S::kNone}))
                   .has_trace());
}

}  // namespace
}  // namespace gatetrace
