// x-datadog-tags: which tags propagate, the size caps, decoding errors, and the high
// half of 128-bit trace ids (`_dd.p.tid`).
#include <gtest/gtest.h>

#include "propagation_test_util.h"

namespace gatetrace {
namespace {

using testing::extract_from;
using testing::find_header;
using testing::has_code;
using testing::OwnedHeaders;
using S = PropagationStyle;

OwnedHeaders datadog_headers(std::string tags) {
  return {{"x-datadog-trace-id", "42"}, {"x-datadog-parent-id", "43"}, {"x-datadog-tags", tags}};
}

TEST(TraceTagsExtract, OnlyPropagatingTagsAreKept) {
  auto context = extract_from(datadog_headers("_dd.p.dm=-3,other=1,_dd.x=2,_dd.p.a=b c"),
                              testing::styles({S::kDatadog}));
  EXPECT_EQ(context.trace_tags, (TagList{{"_dd.p.dm", "-3"}, {"_dd.p.a", "b c"}}));
}

TEST(TraceTagsExtract, OverTheLimitDropsTagsWithExtractMaxSize) {
  PropagationSettings settings = testing::styles({S::kDatadog});
  settings.x_datadog_tags_max_length = 20;
  const std::string tags = "_dd.p.dm=-4,_dd.p.a=1";  // 21 bytes
  std::vector<Error> diagnostics;
  auto context = extract_from(datadog_headers(tags), settings, &diagnostics);
  ASSERT_TRUE(context.has_trace());
  EXPECT_TRUE(context.trace_tags.empty());
  EXPECT_EQ(context.propagation_error, "extract_max_size");
  EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTraceTags));

  settings.x_datadog_tags_max_length = 21;  // exactly at the limit is fine
  context = extract_from(datadog_headers(tags), settings);
  EXPECT_EQ(context.trace_tags.size(), 2u);
  EXPECT_FALSE(context.propagation_error);
}

TEST(TraceTagsExtract, DefaultLimitIs512) {
  std::string tags = "_dd.p.a=";
  tags.append(512 - tags.size(), 'v');
  auto context = extract_from(datadog_headers(tags), testing::styles({S::kDatadog}));
  EXPECT_EQ(context.trace_tags.size(), 1u);
  tags.push_back('v');
  context = extract_from(datadog_headers(tags), testing::styles({S::kDatadog}));
  EXPECT_TRUE(context.trace_tags.empty());
  EXPECT_EQ(context.propagation_error, "extract_max_size");
}

TEST(TraceTagsExtract, MalformedHeaderDropsAllTagsWithDecodingError) {
  for (const char* bad :
       {"_dd.p.dm", "_dd.p.dm=-4,", ",_dd.p.dm=-4", "_dd.p.dm=-4,,_dd.p.a=1", "=x",
        "_dd.p.a=", "_dd.p a=1", "_dd.p.a=\x01", "_dd.p.a=\xc3\xa9", "_dd.p.dm=-4,novalue"}) {
    std::vector<Error> diagnostics;
    auto context = extract_from(datadog_headers(bad), testing::styles({S::kDatadog}), &diagnostics);
    EXPECT_TRUE(context.has_trace()) << bad;
    EXPECT_TRUE(context.trace_tags.empty()) << bad;
    EXPECT_EQ(context.propagation_error, "decoding_error") << bad;
    EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTraceTags)) << bad;
  }
}

TEST(TraceTagsExtract, ValueMayContainEqualsSigns) {
  auto context = extract_from(datadog_headers("_dd.p.a=x=y"), testing::styles({S::kDatadog}));
  EXPECT_EQ(context.trace_tags, (TagList{{"_dd.p.a", "x=y"}}));
}

TEST(TraceTagsExtract, TidGivesTheHighHalf) {
  auto context = extract_from(datadog_headers("_dd.p.tid=640cfd8d00000000,_dd.p.dm=-0"),
                              testing::styles({S::kDatadog}));
  EXPECT_EQ(context.trace_id, (TraceId{42, 0x640cfd8d00000000ull}));
  // Folded into the id, not kept as a tag.
  EXPECT_EQ(context.trace_tags, (TagList{{"_dd.p.dm", "-0"}}));
  EXPECT_FALSE(context.propagation_error);
}

TEST(TraceTagsExtract, InvalidTidIsIgnoredWithADiagnostic) {
  for (const char* tid :
       {"640CFD8D00000000", "640cfd8d", "640cfd8d000000000", "xyz0fd8d00000000"}) {
    std::vector<Error> diagnostics;
    auto context = extract_from(datadog_headers(std::string("_dd.p.tid=") + tid + ",_dd.p.dm=-1"),
                                testing::styles({S::kDatadog}), &diagnostics);
    ASSERT_TRUE(context.has_trace()) << tid;
    EXPECT_EQ(context.trace_id, (TraceId{42, 0})) << tid;
    EXPECT_EQ(context.trace_tags, (TagList{{"_dd.p.dm", "-1"}})) << tid;
    EXPECT_EQ(context.propagation_error, std::string("malformed_tid ") + tid);
    EXPECT_TRUE(has_code(diagnostics, Error::kMalformedTraceTags)) << tid;
  }
}

InjectionContext context_with(const TagList* tags, TraceId id = TraceId{1, 0}) {
  InjectionContext context;
  context.trace_id = id;
  context.span_id = 2;
  context.trace_tags = tags;
  return context;
}

TEST(TraceTagsInject, TidFirstFromTheTraceIdNotFromTags) {
  const TagList tags{{"_dd.p.tid", "1111111111111111"}, {"_dd.p.dm", "-4"}};
  HeaderListWriter writer;
  inject_context(writer, context_with(&tags, TraceId{1, 0xabcdef0100000000ull}),
                 testing::styles({S::kDatadog}));
  EXPECT_EQ(find_header(writer.headers(), "x-datadog-tags"),
            "_dd.p.tid=abcdef0100000000,_dd.p.dm=-4");
}

TEST(TraceTagsInject, OverTheLimitOmitsHeaderWithInjectMaxSize) {
  const TagList tags{{"_dd.p.dm", "-4"}, {"_dd.p.a", "1"}};  // "_dd.p.dm=-4,_dd.p.a=1": 21
  PropagationSettings settings = testing::styles({S::kDatadog});
  settings.x_datadog_tags_max_length = 20;
  HeaderListWriter writer;
  std::optional<std::string> error;
  inject_context(writer, context_with(&tags), settings, &error);
  EXPECT_FALSE(find_header(writer.headers(), "x-datadog-tags"));
  EXPECT_EQ(find_header(writer.headers(), "x-datadog-trace-id"), "1");
  EXPECT_EQ(error, "inject_max_size");

  settings.x_datadog_tags_max_length = 21;
  HeaderListWriter fits;
  error.reset();
  inject_context(fits, context_with(&tags), settings, &error);
  EXPECT_EQ(find_header(fits.headers(), "x-datadog-tags"), "_dd.p.dm=-4,_dd.p.a=1");
  EXPECT_FALSE(error);
}

TEST(TraceTagsInject, TheTidCountsTowardTheLimit) {
  PropagationSettings settings = testing::styles({S::kDatadog});
  settings.x_datadog_tags_max_length = 25;  // "_dd.p.tid=" + 16 = 26
  HeaderListWriter writer;
  std::optional<std::string> error;
  inject_context(writer, context_with(nullptr, TraceId{1, 5}), settings, &error);
  EXPECT_FALSE(find_header(writer.headers(), "x-datadog-tags"));
  EXPECT_EQ(error, "inject_max_size");
}

TEST(TraceTagsInject, InvalidTagOmitsHeaderWithEncodingError) {
  const TagList tags{{"_dd.p.dm", "-4"}, {"_dd.p.bad", "a,b"}};
  HeaderListWriter writer;
  std::optional<std::string> error;
  inject_context(writer, context_with(&tags), testing::styles({S::kDatadog}), &error);
  EXPECT_FALSE(find_header(writer.headers(), "x-datadog-tags"));
  EXPECT_EQ(error, "encoding_error");
}

}  // namespace
}  // namespace gatetrace
