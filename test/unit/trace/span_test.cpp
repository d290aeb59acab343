// The span tree, conventional tags and trace-level tags, through a Tracer wired to
// deterministic doubles.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/span_data.h"
#include "gatetrace/trace/span_creation.h"
#include "gatetrace/tracer.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

using testing::TestTracerSetup;

class SpanTest : public ::testing::Test {
 protected:
  Tracer make_tracer() {
    auto config = setup_.config();
    config.startup_logs = false;
    auto finalized = finalize_config(config);
    EXPECT_TRUE(finalized) << (finalized ? "" : finalized.error().message);
    return Tracer(*finalized);
  }
  TestTracerSetup setup_;
};

TEST_F(SpanTest, TreeShapeAndDeliveryWhenLastSpanFinishes) {
  Tracer tracer = make_tracer();
  {
    Span root = tracer.create_span({.name = "root"});
    Span child = root.create_child({.name = "child"});
    Span grandchild = child.create_child({.name = "grandchild"});
    EXPECT_EQ(child.parent_id(), root.id());
    EXPECT_EQ(grandchild.parent_id(), child.id());
    EXPECT_EQ(grandchild.trace_id(), root.trace_id());
    EXPECT_EQ(root.parent_id(), 0u);
    root.finish();
    child.finish();
    EXPECT_TRUE(setup_.collector->chunks().empty()) << "sent before the last span finished";
  }
  const auto chunks = setup_.collector->chunks();
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_EQ(chunks[0].spans.size(), 3u);
  EXPECT_EQ(chunks[0].spans[0].name, "root") << "the local root is written first";
  for (const auto& span : chunks[0].spans) EXPECT_EQ(span.service, "my-backend");
}

TEST_F(SpanTest, DurationsComeFromTheClock) {
  Tracer tracer = make_tracer();
  {
    Span root = tracer.create_span({.name = "root"});
    setup_.clock->advance_ms(7);
  }
  const auto span = setup_.collector->spans_by_name().at("root");
  EXPECT_EQ(span.duration_ns, 7'000'000);
  EXPECT_EQ(span.start.wall_ns, 1'736'973'768'005'000'000);
}

TEST_F(SpanTest, ConventionalTags) {
  setup_.env["DD_ENV"] = "prod";
  setup_.env["DD_VERSION"] = "1.4.2";
  setup_.env["DD_TAGS"] = "team:apm,tier:1";
  Tracer tracer = make_tracer();
  {
    Span root = tracer.create_span({.name = "root"});
    Span other = root.create_child({.name = "db", .service = "postgres"});
  }
  const auto spans = setup_.collector->spans_by_name();
  const auto& root = spans.at("root");
  EXPECT_EQ(*root.meta.find("env"), "prod");
  EXPECT_EQ(*root.meta.find("version"), "1.4.2");
  EXPECT_EQ(*root.meta.find("team"), "apm");
  EXPECT_EQ(*root.meta.find("tier"), "1");
  const auto& db = spans.at("db");
  EXPECT_EQ(*db.meta.find("env"), "prod");
  EXPECT_EQ(db.meta.find("version"), nullptr) << "version belongs to default-service spans";
  EXPECT_EQ(*db.meta.find("team"), "apm");
}

TEST_F(SpanTest, RootCarriesSamplingPriorityAndTraceTags) {
  Tracer tracer = make_tracer();
  { Span root = tracer.create_span({.name = "root"}); }
  const auto chunks = setup_.collector->chunks();
  ASSERT_EQ(chunks.size(), 1u);
  const auto& root = chunks[0].spans[0];
  ASSERT_NE(root.metrics.find("_sampling_priority_v1"), nullptr);
  EXPECT_EQ(*root.metrics.find("_sampling_priority_v1"), 1.0);
  ASSERT_NE(root.meta.find("_dd.p.dm"), nullptr);
  EXPECT_EQ(*root.meta.find("_dd.p.dm"), "-0");
  EXPECT_EQ(chunks[0].sampling_priority, 1);
}

TEST_F(SpanTest, OneHundredTwentyEightBitTraceIds) {
  Tracer tracer = make_tracer();
  TraceId id;
  {
    Span root = tracer.create_span({.name = "root"});
    id = root.trace_id();
  }
  const std::uint64_t seconds = 1'736'973'768;
  EXPECT_EQ(id.high, seconds << 32);
  const auto root = setup_.collector->spans_by_name().at("root");
  ASSERT_NE(root.meta.find("_dd.p.tid"), nullptr);
  EXPECT_EQ(*root.meta.find("_dd.p.tid"), "67881dc800000000");
}

TEST_F(SpanTest, SixtyFourBitTraceIdsWhenDisabled) {
  setup_.env["DD_TRACE_128_BIT_TRACEID_GENERATION_ENABLED"] = "false";
  Tracer tracer = make_tracer();
  { Span root = tracer.create_span({.name = "root"}); }
  const auto root = setup_.collector->spans_by_name().at("root");
  EXPECT_EQ(root.trace_id.high, 0u);
  EXPECT_EQ(root.meta.find("_dd.p.tid"), nullptr);
}

TEST_F(SpanTest, SettersAndErrors) {
  Tracer tracer = make_tracer();
  {
    Span span = tracer.create_span({.name = "op"});
    span.set_service("svc2");
    span.set_resource("GET /x");
    span.set_type("web");
    span.set_tag("a", "1");
    span.set_tag("a", "2");
    span.set_tag("b", "x");
    span.remove_tag("b");
    span.set_metric("m", 2.5);
    EXPECT_EQ(*span.lookup_tag("a"), "2");
    EXPECT_FALSE(span.lookup_tag("b").has_value());
    EXPECT_EQ(*span.lookup_metric("m"), 2.5);
    span.set_error_message("boom");
    span.set_error_type("std::runtime_error");
    span.set_error_stack("frame");
    EXPECT_TRUE(span.error());
  }
  const auto span = setup_.collector->spans_by_name().at("op");
  EXPECT_EQ(span.service, "svc2");
  EXPECT_EQ(span.resource, "GET /x");
  EXPECT_EQ(span.type, "web");
  EXPECT_TRUE(span.error);
  EXPECT_EQ(*span.meta.find("error.message"), "boom");
  EXPECT_EQ(*span.meta.find("error.type"), "std::runtime_error");
  EXPECT_EQ(*span.meta.find("error.stack"), "frame");
  EXPECT_EQ(*span.meta.find("a"), "2");
  EXPECT_FALSE(span.meta.contains("b"));
}

TEST_F(SpanTest, ClearingTheErrorRemovesDetails) {
  Tracer tracer = make_tracer();
  {
    Span span = tracer.create_span({.name = "op"});
    span.set_error_message("boom");
    span.set_error(false);
  }
  const auto span = setup_.collector->spans_by_name().at("op");
  EXPECT_FALSE(span.error);
  EXPECT_FALSE(span.meta.contains("error.message"));
}

TEST_F(SpanTest, FinishIsIdempotentAndMovedFromSpansAreEmpty) {
  Tracer tracer = make_tracer();
  Span root = tracer.create_span({.name = "root"});
  const auto id = root.id();
  Span moved = std::move(root);
  EXPECT_TRUE(root.empty());  // NOLINT(bugprone-use-after-move): documented behaviour
  root.set_tag("ignored", "x");
  EXPECT_EQ(moved.id(), id);
  moved.finish();
  moved.finish();
  EXPECT_TRUE(moved.finished());
  EXPECT_EQ(moved.id(), id) << "ids stay readable after finish";
  EXPECT_EQ(setup_.collector->chunks().size(), 1u);
}

TEST_F(SpanTest, ExplicitEndTime) {
  Tracer tracer = make_tracer();
  {
    Span span = tracer.create_span({.name = "op"});
    TimePoint end = span.start_time();
    end.steady_ns += 42;
    end.wall_ns += 42;
    span.set_end_time(end);
    setup_.clock->advance_ms(100);
  }
  EXPECT_EQ(setup_.collector->spans_by_name().at("op").duration_ns, 42);
}

TEST_F(SpanTest, ManualKeepAndDropFromAnySpan) {
  Tracer tracer = make_tracer();
  {
    Span root = tracer.create_span({.name = "kept"});
    Span child = root.create_child({.name = "kept-child"});
    child.set_tag("manual.keep", "");
    EXPECT_FALSE(child.lookup_tag("manual.keep").has_value());
  }
  {
    Span root = tracer.create_span({.name = "dropped"});
    root.create_child({.name = "dropped-child"}).drop_trace();
  }
  const auto chunks = setup_.collector->chunks();
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(*chunks[0].spans[0].metrics.find("_sampling_priority_v1"), 2.0);
  EXPECT_EQ(*chunks[0].spans[0].meta.find("_dd.p.dm"), "-4");
  EXPECT_EQ(*chunks[1].spans[0].metrics.find("_sampling_priority_v1"), -1.0);
  EXPECT_FALSE(chunks[1].spans[0].meta.contains("_dd.p.dm"));
  EXPECT_EQ(chunks[1].sampling_priority, -1) << "dropped traces are still sent";
}

TEST_F(SpanTest, ChildrenFinishedOnOtherThreads) {
  Tracer tracer = make_tracer();
  {
    Span root = tracer.create_span({.name = "root"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      Span child = root.create_child({.name = "child"});
      threads.emplace_back([child = std::move(child)]() mutable {
        for (int i = 0; i < 100; ++i) child.create_child({.name = "leaf"});
      });
    }
    for (auto& thread : threads) thread.join();
  }
  const auto chunks = setup_.collector->chunks();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].spans.size(), 1u + 4u + 400u);
}

TEST_F(SpanTest, DisabledTracingSendsNothing) {
  setup_.env["DD_TRACE_ENABLED"] = "false";
  Tracer tracer = make_tracer();
  {
    Span root = tracer.create_span({.name = "root"});
    root.set_tag("still", "works");
    EXPECT_EQ(*root.lookup_tag("still"), "works");
    root.create_child({.name = "child"});
  }
  EXPECT_TRUE(tracer.flush(std::chrono::milliseconds(10)));
  EXPECT_TRUE(setup_.collector->chunks().empty());
}

TEST_F(SpanTest, PartialFlushSendsFinishedSpansOfLongTraces) {
  setup_.env["DD_TRACE_PARTIAL_FLUSH_ENABLED"] = "true";
  setup_.env["DD_TRACE_PARTIAL_FLUSH_MIN_SPANS"] = "3";
  Tracer tracer = make_tracer();
  {
    Span root = tracer.create_span({.name = "root"});
    for (int i = 0; i < 7; ++i) root.create_child({.name = "child"});
    const auto chunks = setup_.collector->chunks();
    ASSERT_EQ(chunks.size(), 2u) << "two partial chunks of three finished spans";
    EXPECT_EQ(chunks[0].spans.size(), 3u);
    EXPECT_TRUE(chunks[0].spans[0].metrics.contains("_sampling_priority_v1"));
  }
  const auto chunks = setup_.collector->chunks();
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[2].spans.size(), 2u);
  EXPECT_EQ(chunks[2].spans[0].name, "root");
}

TEST_F(SpanTest, LenientConstructorLogsBadSettingsAndUsesDefaults) {
  setup_.env["DD_TRACE_AGENT_PORT"] = "eighty";
  auto config = setup_.config();
  Tracer tracer(config);
  EXPECT_GE(setup_.logger->count_containing("DD_TRACE_AGENT_PORT: 'eighty'"), 1u);
  EXPECT_EQ(tracer.config().agent_url.port, 8126);
  EXPECT_GE(setup_.logger->count_containing("DATADOG TRACER CONFIGURATION"), 1u);
  { Span root = tracer.create_span({.name = "root"}); }
  EXPECT_EQ(setup_.collector->chunks().size(), 1u);
}

// Trace ids whose high halves are given, one per trace.
class HighIds final : public IdGenerator {
 public:
  explicit HighIds(std::vector<std::uint64_t> highs) : highs_(std::move(highs)) {}
  std::uint64_t span_id() override { return ++next_; }
  TraceId trace_id(std::int64_t, bool) override {
    return TraceId{++next_, highs_[trace_++ % highs_.size()]};
  }

 private:
  std::vector<std::uint64_t> highs_;
  std::uint64_t next_ = 0;
  std::size_t trace_ = 0;
};

TEST(SpanTraceIdTest, HighHalfIsWrittenAsSixteenLowercaseHexDigits) {
  // `_dd.p.tid` is written without a table or loop: every nibble value in every place.
  std::vector<std::uint64_t> highs = {1,
                                      0x0123456789abcdefull,
                                      0xfedcba9876543210ull,
                                      0xffffffffffffffffull,
                                      0x8000000000000000ull,
                                      0x00000000ffffffffull,
                                      0xa0b1c2d3e4f50617ull,
                                      0x9a9a9a9a09090909ull};
  std::mt19937_64 random(7);
  for (int i = 0; i < 300; ++i) highs.push_back(random() | 1);  // high 0: no tag
  testing::TestTracerSetup setup;
  TracerConfig config = setup.config();
  config.id_generator = std::make_shared<HighIds>(highs);
  auto finalized = finalize_config(config);
  ASSERT_TRUE(finalized);
  Tracer tracer(*finalized);
  for (std::size_t i = 0; i < highs.size(); ++i) tracer.create_span({.name = "t"});
  const auto chunks = setup.collector->chunks();
  ASSERT_EQ(chunks.size(), highs.size());
  for (std::size_t i = 0; i < highs.size(); ++i) {
    char expected[17];
    std::snprintf(expected, sizeof expected, "%016llx", static_cast<unsigned long long>(highs[i]));
    const auto tid = chunks[i].spans.front().meta.find("_dd.p.tid");
    ASSERT_TRUE(tid) << i;
    EXPECT_EQ(*tid, expected) << i;
  }
}

// Everything a collector received, in order, as text (spans, tags, metrics).
std::string describe_chunks(const testing::RecordingCollector& collector) {
  std::string out;
  for (const auto& chunk : collector.chunks()) {
    out += "chunk " + std::to_string(chunk.sampling_priority) + "\n";
    for (const SpanData& span : chunk.spans) {
      out += std::to_string(span.trace_id.high) + ":" + std::to_string(span.trace_id.low) + " " +
             std::to_string(span.span_id) + " " + std::to_string(span.parent_id) + " " +
             std::string(span.name) + "|" + std::string(span.service) + "|" +
             std::string(span.resource) + "|" + std::string(span.type) + " " +
             std::to_string(span.start.wall_ns) + " " + std::to_string(span.duration_ns) + "\n";
      for (const auto& [key, value] : span.meta) {
        out += "  " + std::string(key) + "=" + std::string(value) + "\n";
      }
      for (const auto& [key, value] : span.metrics) {
        out += "  " + std::string(std::string_view(key)) + ":" + std::to_string(value) + "\n";
      }
    }
  }
  return out;
}

// The string_view entry points (span_creation.h) against SpanConfigs holding the same
// texts: same spans, tags and metrics, in the same order, with and without a context to
// continue, with and without a start time, with `env` and DD_TAGS.
TEST(SpanCreationTexts, SameSpansAsSpanConfigs) {
  using Headers = HeaderListReader::Headers;
  const std::vector<Headers> header_sets = {
      {},
      {{"x-datadog-trace-id", "123"},
       {"x-datadog-parent-id", "456"},
       {"x-datadog-sampling-priority", "2"},
       {"x-datadog-origin", "synthetics"},
       {"x-datadog-tags", "_dd.p.dm=-4"}},
      {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
       {"tracestate", "dd=s:1;p:b7ad6b7169203331;t.dm:-0,congo=t61rcWkgMzE"}},
      {{"baggage", "only=1"}},
  };
  for (int tags = 0; tags < 2; ++tags) {
    for (const Headers& headers : header_sets) {
      for (const bool with_start : {true, false}) {
        std::string outputs[2];
        for (int texts = 0; texts < 2; ++texts) {
          TestTracerSetup setup;
          setup.env["DD_ENV"] = "prod";
          if (tags == 1) setup.env["DD_TAGS"] = "team:apm,tier:1";
          auto config = setup.config();
          config.startup_logs = false;
          auto finalized = finalize_config(config);
          ASSERT_TRUE(finalized);
          Tracer tracer(*finalized);
          const HeaderListReader reader(headers);
          const TimePoint start{1'736'973'700'000'000'000, 5'000};
          const std::optional<TimePoint> maybe_start =
              with_start ? std::optional<TimePoint>(start) : std::nullopt;
          {
            Span root;
            Span child;
            if (texts == 1) {
              root = extract_or_create_span_from_texts(
                  tracer, reader,
                  {"aws.apigateway", "gw.example.com", "GET /a", "web", maybe_start});
              child = create_child_from_texts(
                  root, {"web.request", "my-backend", "GET /a/{id}", "web", maybe_start});
            } else {
              root = tracer.extract_or_create_span(reader, {.name = "aws.apigateway",
                                                            .service = "gw.example.com",
                                                            .resource = "GET /a",
                                                            .type = "web",
                                                            .start = maybe_start});
              child = root.create_child({.name = "web.request",
                                         .service = "my-backend",
                                         .resource = "GET /a/{id}",
                                         .type = "web",
                                         .start = maybe_start});
            }
            child.set_tag("k", "v");
            setup.clock->advance_ms(3);
          }
          outputs[texts] = describe_chunks(*setup.collector);
        }
        EXPECT_FALSE(outputs[0].empty());
        EXPECT_EQ(outputs[1], outputs[0]);
      }
    }
  }
}

// Unlike SpanConfig, the texts are used as given: nothing is inherited from the parent,
// and an empty text stays empty.
TEST(SpanCreationTexts, ChildTextsAreUsedAsGiven) {
  TestTracerSetup setup;
  auto config = setup.config();
  config.startup_logs = false;
  auto finalized = finalize_config(config);
  ASSERT_TRUE(finalized);
  Tracer tracer(*finalized);
  {
    Span root = tracer.create_span({.name = "root", .service = "svc-a", .resource = "r"});
    Span child = create_child_from_texts(root, {"", "", "", "", std::nullopt});
    EXPECT_EQ(child.parent_id(), root.id());
    EXPECT_EQ(child.trace_id(), root.trace_id());
    EXPECT_EQ(child.name(), "");
    EXPECT_EQ(child.service(), "");
    EXPECT_EQ(child.resource(), "");
    // A finished parent still starts children of its trace.
    root.finish();
    Span late = create_child_from_texts(root, {"late", "svc-b", "", "", std::nullopt});
    EXPECT_EQ(late.parent_id(), root.id());
    EXPECT_EQ(late.name(), "late");
  }
  const auto spans = setup.collector->spans_by_name();
  ASSERT_EQ(spans.count("late"), 1u);
  EXPECT_EQ(spans.at("late").service, "svc-b");
  ASSERT_EQ(spans.count(""), 1u);
  EXPECT_EQ(spans.at("").service, "");
}

TEST(SpanCreationTexts, ChildOfAnEmptySpanIsEmpty) {
  const Span empty;
  const Span child = create_child_from_texts(empty, {"n", "s", "r", "t", std::nullopt});
  EXPECT_TRUE(child.empty());
}

// `_dd.p.tid`, the high half of a 128-bit trace id in lowercase hex, for ids whose digits
// cover 0-9 and a-f in every position (the digits are made 16 at a time).
TEST_F(SpanTest, TraceIdHighAsLowercaseHexForEveryDigit) {
  Tracer tracer = make_tracer();
  const std::vector<std::string> highs = {"0123456789abcdef", "fedcba9876543210",
                                          "00000000000000a0", "9a9a9a9a9a9a9a9a",
                                          "f000000000000009", "ffffffffffffffff"};
  for (const std::string& high : highs) {
    // Headers hold views: the value lives in its own string.
    const std::string traceparent = "00-" + high + "8448eb211c80319c-b7ad6b7169203331-01";
    const HeaderListReader::Headers headers = {{"traceparent", traceparent}};
    { Span root = tracer.extract_or_create_span(HeaderListReader(headers), {.name = high}); }
    const auto root = setup_.collector->spans_by_name().at(high);
    ASSERT_NE(root.meta.find("_dd.p.tid"), nullptr) << high;
    EXPECT_EQ(*root.meta.find("_dd.p.tid"), high);
  }
}

}  // namespace
}  // namespace gatetrace
