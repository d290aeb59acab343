// Hostile and broken headers: never a crash, never an exception, never a context made
// of garbage, and never an invalid header written back out.
#include <gtest/gtest.h>

#include <random>

#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using testing::extract_from;
using testing::OwnedHeaders;
using S = PropagationStyle;

const PropagationSettings kAllStyles =
    testing::styles({S::kDatadog, S::kTraceContext, S::kB3Multi, S::kB3Single, S::kBaggage});

const std::vector<std::string> kHeaderNames{"x-datadog-trace-id",
                                            "x-datadog-parent-id",
                                            "x-datadog-sampling-priority",
                                            "x-datadog-origin",
                                            "x-datadog-tags",
                                            "traceparent",
                                            "tracestate",
                                            "x-b3-traceid",
                                            "x-b3-spanid",
                                            "x-b3-sampled",
                                            "x-b3-flags",
                                            "b3",
                                            "baggage"};

TEST(HostileInput, HugeValuesEverywhere) {
  const std::string huge(1 << 20, '9');
  OwnedHeaders headers;
  for (const auto& name : kHeaderNames) headers.emplace_back(name, huge);
  std::vector<Error> diagnostics;
  auto context = extract_from(headers, kAllStyles, &diagnostics);
  EXPECT_FALSE(context.has_trace());
  EXPECT_FALSE(diagnostics.empty());
  for (const Error& error : diagnostics) EXPECT_LT(error.message.size(), 400u);
}

TEST(HostileInput, EmptyValuesEverywhere) {
  OwnedHeaders headers;
  for (const auto& name : kHeaderNames) headers.emplace_back(name, "");
  auto context = extract_from(headers, kAllStyles);
  EXPECT_FALSE(context.has_trace());
  EXPECT_TRUE(context.baggage.empty());
}

TEST(HostileInput, ControlCharactersAreNeitherExtractedNorInjected) {
  OwnedHeaders headers{{"x-datadog-trace-id", "42"},
                       {"x-datadog-parent-id", "43"},
                       {"x-datadog-origin", "o\r\nx"},
                       {"x-datadog-tags", "_dd.p.a=\r\n"},
                       {"traceparent", "00-0000000000000000000000000000002a-000000000000002b-01"},
                       {"tracestate", "dd=o:\x7f,foo=\n"},
                       {"baggage", "k=%0D%0A"}};
  auto context = extract_from(headers, kAllStyles);
  ASSERT_TRUE(context.has_trace());
  EXPECT_FALSE(context.origin);
  EXPECT_TRUE(context.trace_tags.empty());
  EXPECT_FALSE(context.additional_w3c_tracestate);
  ASSERT_EQ(context.baggage.size(), 1u);
  EXPECT_EQ(context.baggage[0].second, "\r\n");

  InjectionContext out;
  out.trace_id = context.trace_id;
  out.span_id = 99;
  const std::string bad_origin = "a\r\nb";
  const TagList bad_tags{{"_dd.p.x", "a\nb"}};
  out.origin = &bad_origin;
  out.trace_tags = &bad_tags;
  out.baggage = &context.baggage;
  HeaderListWriter writer;
  inject_context(writer, out, kAllStyles);
  EXPECT_FALSE(writer.headers().empty());
  for (const auto& [name, value] : writer.headers()) {
    EXPECT_TRUE(testing::is_clean_header_value(value)) << name;
  }
}

TEST(HostileInput, RepeatedHeadersUseTheFirstValue) {
  OwnedHeaders headers{{"x-datadog-trace-id", "1"},
                       {"x-datadog-trace-id", "2"},
                       {"x-datadog-parent-id", "3"},
                       {"X-Datadog-Parent-Id", "garbage"}};
  auto context = extract_from(headers, kAllStyles);
  EXPECT_EQ(context.trace_id.low, 1u);
  EXPECT_EQ(context.parent_id, 3u);
}

TEST(HostileInput, DiagnosticsEscapeWhatTheyQuote) {
  std::vector<Error> diagnostics;
  extract_from({{"x-datadog-trace-id", "1\n[gatetrace] forged log line"}}, kAllStyles,
               &diagnostics);
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_EQ(diagnostics[0].message.find('\n'), std::string::npos);
  EXPECT_NE(diagnostics[0].message.find("\\x0a"), std::string::npos);
}

TEST(HostileInput, ManyTracestateMembersAndHeaders) {
  std::string tracestate;
  for (int i = 0; i < 10000; ++i) tracestate += "k" + std::to_string(i) + "=v,";
  OwnedHeaders headers{{"traceparent", "00-0000000000000000000000000000002a-000000000000002b-01"}};
  for (int i = 0; i < 100; ++i) headers.emplace_back("tracestate", tracestate);
  auto context = extract_from(headers, kAllStyles);
  EXPECT_TRUE(context.has_trace());
  EXPECT_FALSE(context.additional_w3c_tracestate);
}

TEST(HostileInput, ManyBaggageItemsAreCapped) {
  std::string baggage;
  for (int i = 0; i < 100000; ++i) baggage += "k=v,";
  auto context = extract_from({{"baggage", baggage}}, kAllStyles);
  EXPECT_EQ(context.baggage.size(), kBaggageMaxItems);
}

// Random bytes, and random mutations of valid headers, in every propagation header.
TEST(HostileInput, RandomMutationsNeverYieldInvalidOutput) {
  const OwnedHeaders valid{
      {"x-datadog-trace-id", "42"},
      {"x-datadog-parent-id", "43"},
      {"x-datadog-sampling-priority", "1"},
      {"x-datadog-origin", "rum"},
      {"x-datadog-tags", "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000"},
      {"traceparent", "00-640cfd8d00000000000000000000002a-000000000000002b-01"},
      {"tracestate", "dd=s:1;o:rum;t.dm:-4,foo=bar"},
      {"x-b3-traceid", "000000000000002a"},
      {"x-b3-spanid", "000000000000002b"},
      {"b3", "000000000000002a-000000000000002b-1"},
      {"baggage", "a=1,b=%20"}};
  std::mt19937 random(12345);
  const std::string alphabet = "0123456789abcdefABCDEF-=,;:~ \t\r\n%._x\x01\x7f\xff";
  for (int round = 0; round < 3000; ++round) {
    OwnedHeaders headers = valid;
    for (auto& [name, value] : headers) {
      const int edits = static_cast<int>(random() % 4);
      for (int e = 0; e < edits && !value.empty(); ++e) {
        const std::size_t at = random() % value.size();
        switch (random() % 3) {
          case 0:
            value[at] = alphabet[random() % alphabet.size()];
            break;
          case 1:
            value.erase(at, 1);
            break;
          default:
            value.insert(at, 1, alphabet[random() % alphabet.size()]);
        }
      }
    }
    std::vector<Error> diagnostics;
    const ExtractedContext context = extract_from(headers, kAllStyles, &diagnostics);
    if (context.has_trace()) {
      EXPECT_NE(context.trace_id.low, 0u);
    }
    if (context.origin) {
      EXPECT_TRUE(testing::is_clean_header_value(*context.origin));
    }
    InjectionContext out;
    out.trace_id = context.has_trace() ? context.trace_id : TraceId{1, 0};
    out.span_id = 7;
    out.sampling_priority = context.sampling_priority.value_or(1);
    out.origin = context.origin ? &*context.origin : nullptr;
    out.trace_tags = &context.trace_tags;
    out.additional_w3c_tracestate =
        context.additional_w3c_tracestate ? &*context.additional_w3c_tracestate : nullptr;
    out.additional_datadog_w3c_tracestate = context.additional_datadog_w3c_tracestate
                                                ? &*context.additional_datadog_w3c_tracestate
                                                : nullptr;
    out.baggage = &context.baggage;
    HeaderListWriter writer;
    inject_context(writer, out, kAllStyles);
    for (const auto& [name, value] : writer.headers()) {
      ASSERT_TRUE(testing::is_clean_header_value(value)) << name << ": " << value;
    }
    // What we write, we read back as the same trace.
    const ExtractedContext again = extract_from(writer.headers(), kAllStyles);
    ASSERT_TRUE(again.has_trace());
    EXPECT_EQ(again.trace_id, out.trace_id);
    EXPECT_EQ(again.parent_id, 7u);
    EXPECT_EQ(again.baggage, context.baggage);
  }
}

}  // namespace
}  // namespace gatetrace
