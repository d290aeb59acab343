// B3 multi-header (`b3multi`) and single-header (`b3`) styles.
#include <gtest/gtest.h>

#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using testing::extract_from;
using testing::find_header;
using testing::has_code;
using testing::OwnedHeaders;
using S = PropagationStyle;

const PropagationSettings kMulti = testing::styles({S::kB3Multi});
const PropagationSettings kSingle = testing::styles({S::kB3Single});

TEST(B3MultiExtract, SixtyFourAndOneTwentyEightBitIds) {
  auto short_id = extract_from({{"x-b3-traceid", "00000000000004d2"},
                                {"x-b3-spanid", "000000000000162e"},
                                {"x-b3-sampled", "1"}},
                               kMulti);
  EXPECT_EQ(short_id.trace_id, (TraceId{1234, 0}));
  EXPECT_EQ(short_id.parent_id, 5678u);
  EXPECT_EQ(short_id.sampling_priority, 1);
  EXPECT_EQ(short_id.style, S::kB3Multi);

  auto long_id = extract_from({{"x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"},
                               {"x-b3-spanid", "a2fb4a1d1a96d312"},
                               {"x-b3-sampled", "0"}},
                              kMulti);
  EXPECT_EQ(long_id.trace_id, (TraceId{0x48485a3953bb6124ull, 0x463ac35c9f6413adull}));
  EXPECT_EQ(long_id.parent_id, 0xa2fb4a1d1a96d312ull);
  EXPECT_EQ(long_id.sampling_priority, 0);
}

TEST(B3MultiExtract, DebugFlagMeansUserKeep) {
  auto context = extract_from({{"x-b3-traceid", "00000000000004d2"},
                               {"x-b3-spanid", "000000000000162e"},
                               {"x-b3-flags", "1"}},
                              kMulti);
  EXPECT_EQ(context.sampling_priority, 2);
}

TEST(B3MultiExtract, NoSampledHeaderLeavesThePriorityOpen) {
  auto context = extract_from(
      {{"x-b3-traceid", "00000000000004d2"}, {"x-b3-spanid", "000000000000162e"}}, kMulti);
  EXPECT_TRUE(context.has_trace());
  EXPECT_FALSE(context.sampling_priority);
}

TEST(B3MultiExtract, LegacyTrueFalseAndMixedCaseHex) {
  auto context = extract_from({{"x-b3-traceid", "00000000000004D2"},
                               {"x-b3-spanid", "000000000000162E"},
                               {"x-b3-sampled", "true"}},
                              kMulti);
  EXPECT_EQ(context.trace_id.low, 1234u);
  EXPECT_EQ(context.sampling_priority, 1);
}

TEST(B3MultiExtract, MalformedIdsYieldNothing) {
  for (const auto& [trace, span] : std::vector<std::pair<std::string, std::string>>{
           {"4d2", "000000000000162e"},
           {"00000000000000000000000000000000", "000000000000162e"},
           {"0000000000000000", "000000000000162e"},
           {"00000000000004d2", "0000000000000000"},
           {"00000000000004d2", "162e"},
           {"00000000000004d2x", "000000000000162e"},
           {"-0000000000004d2", "000000000000162e"},
           {"00000000000004d2", "000000000000162g"}}) {
    std::vector<Error> diagnostics;
    auto context =
        extract_from({{"x-b3-traceid", trace}, {"x-b3-spanid", span}}, kMulti, &diagnostics);
    EXPECT_FALSE(context.has_trace()) << trace << " " << span;
    EXPECT_TRUE(has_code(diagnostics, Error::kMalformedB3)) << trace << " " << span;
  }
}

TEST(B3MultiExtract, MissingSpanIdYieldsNothing) {
  std::vector<Error> diagnostics;
  auto context = extract_from({{"x-b3-traceid", "00000000000004d2"}}, kMulti, &diagnostics);
  EXPECT_FALSE(context.has_trace());
  EXPECT_TRUE(has_code(diagnostics, Error::kMissingParentId));
}

TEST(B3MultiExtract, BadSampledValueIsIgnored) {
  std::vector<Error> diagnostics;
  auto context = extract_from({{"x-b3-traceid", "00000000000004d2"},
                               {"x-b3-spanid", "000000000000162e"},
                               {"x-b3-sampled", "2"}},
                              kMulti, &diagnostics);
  EXPECT_TRUE(context.has_trace());
  EXPECT_FALSE(context.sampling_priority);
  EXPECT_TRUE(has_code(diagnostics, Error::kMalformedSamplingPriority));
}

TEST(B3SingleExtract, AllFieldForms) {
  auto full = extract_from(
      {{"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"}}, kSingle);
  EXPECT_EQ(full.trace_id, (TraceId{0x64fe8b2a57d3eff7ull, 0x80f198ee56343ba8ull}));
  EXPECT_EQ(full.parent_id, 0xe457b5a2e4d86bd1ull);  // our parent is the sender's span
  EXPECT_EQ(full.sampling_priority, 1);
  EXPECT_EQ(full.style, S::kB3Single);

  auto two = extract_from({{"b3", "64fe8b2a57d3eff7-e457b5a2e4d86bd1"}}, kSingle);
  EXPECT_EQ(two.trace_id, (TraceId{0x64fe8b2a57d3eff7ull, 0}));
  EXPECT_FALSE(two.sampling_priority);

  EXPECT_EQ(
      extract_from({{"b3", "64fe8b2a57d3eff7-e457b5a2e4d86bd1-d"}}, kSingle).sampling_priority, 2);
  EXPECT_EQ(
      extract_from({{"b3", "64fe8b2a57d3eff7-e457b5a2e4d86bd1-0"}}, kSingle).sampling_priority, 0);
}

TEST(B3SingleExtract, SamplingOnlyValuesCarryNoContext) {
  for (const char* value : {"0", "1", "d"}) {
    std::vector<Error> diagnostics;
    auto context = extract_from({{"b3", value}}, kSingle, &diagnostics);
    EXPECT_FALSE(context.has_trace()) << value;
    EXPECT_TRUE(diagnostics.empty()) << value;
  }
}

TEST(B3SingleExtract, MalformedValuesYieldNothing) {
  for (const char* value :
       {"", "-", "64fe8b2a57d3eff7", "64fe8b2a57d3eff7-", "64fe8b2a57d3eff7-e457b5a2e4d86bd1-x",
        "64fe8b2a57d3eff7-e457b5a2e4d86bd1-1-",
        "64fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90-9",
        "64fe8b2a57d3eff7-e457b5a2e4d86bd1-true", "0000000000000000-e457b5a2e4d86bd1-1",
        "64fe8b2a57d3eff7-0000000000000000-1", "64fe8b2a57d3eff-e457b5a2e4d86bd1"}) {
    std::vector<Error> diagnostics;
    auto context = extract_from({{"b3", value}}, kSingle, &diagnostics);
    EXPECT_FALSE(context.has_trace()) << value;
    EXPECT_TRUE(has_code(diagnostics, Error::kMalformedB3)) << value;
  }
}

InjectionContext b3_context(int priority, TraceId id = TraceId{0x64fe8b2a57d3eff7ull, 0}) {
  InjectionContext context;
  context.trace_id = id;
  context.span_id = 0xe457b5a2e4d86bd1ull;
  context.sampling_priority = priority;
  return context;
}

TEST(B3MultiInject, HeadersPerPriority) {
  HeaderListWriter kept;
  inject_context(kept, b3_context(1), kMulti);
  EXPECT_EQ(kept.headers().size(), 3u);
  EXPECT_EQ(find_header(kept.headers(), "x-b3-traceid"), "64fe8b2a57d3eff7");
  EXPECT_EQ(find_header(kept.headers(), "x-b3-spanid"), "e457b5a2e4d86bd1");
  EXPECT_EQ(find_header(kept.headers(), "x-b3-sampled"), "1");

  HeaderListWriter dropped;
  inject_context(dropped, b3_context(-1), kMulti);
  EXPECT_EQ(find_header(dropped.headers(), "x-b3-sampled"), "0");

  HeaderListWriter debug;
  inject_context(debug, b3_context(2), kMulti);
  EXPECT_EQ(find_header(debug.headers(), "x-b3-flags"), "1");
  EXPECT_FALSE(find_header(debug.headers(), "x-b3-sampled"));
}

TEST(B3MultiInject, OneTwentyEightBitIdsUseThirtyTwoDigits) {
  HeaderListWriter writer;
  inject_context(writer, b3_context(1, TraceId{0x64fe8b2a57d3eff7ull, 0x80f198ee56343ba8ull}),
                 kMulti);
  EXPECT_EQ(find_header(writer.headers(), "x-b3-traceid"), "80f198ee56343ba864fe8b2a57d3eff7");
}

TEST(B3SingleInject, Forms) {
  HeaderListWriter kept;
  inject_context(kept, b3_context(1), kSingle);
  EXPECT_EQ(kept.headers().size(), 1u);
  EXPECT_EQ(find_header(kept.headers(), "b3"), "64fe8b2a57d3eff7-e457b5a2e4d86bd1-1");
  HeaderListWriter dropped;
  inject_context(dropped, b3_context(0), kSingle);
  EXPECT_EQ(find_header(dropped.headers(), "b3"), "64fe8b2a57d3eff7-e457b5a2e4d86bd1-0");
  HeaderListWriter debug;
  inject_context(debug, b3_context(2, TraceId{1, 2}), kSingle);
  EXPECT_EQ(find_header(debug.headers(), "b3"),
            "00000000000000020000000000000001-e457b5a2e4d86bd1-d");
}

}  // namespace
}  // namespace gatetrace
