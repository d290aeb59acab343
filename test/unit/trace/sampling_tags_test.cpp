// Where the trace segment writes the sampling decision. A decision made when the trace
// is delivered writes the root's sampling metrics and the trace's tags in one pass; a
// decision made earlier (by an injection) writes the trace tags then and the metrics on
// delivery. Both must give the same root, and a partial chunk without the root must
// still leave the trace tags for the root's chunk.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gatetrace/tracer.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

using testing::TestTracerSetup;

class NullWriter final : public DictWriter {
 public:
  void set(std::string_view, std::string_view) override {}
};

std::vector<std::pair<std::string, std::string>> meta_of(const SpanData& span) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : span.meta) {
    if (key != "_dd.p.tid") out.emplace_back(key, value);  // differs between traces
  }
  return out;
}

std::vector<std::pair<std::string, double>> metrics_of(const SpanData& span) {
  return {span.metrics.begin(), span.metrics.end()};
}

// The two chunks' roots (each a chunk's first span, named "root") carry the same
// sampling tags, metrics and priority, and `_dd.p.dm` exactly when the trace is kept.
void expect_roots_tagged_alike(const std::vector<testing::RecordingCollector::Chunk>& chunks) {
  ASSERT_EQ(chunks.size(), 2u);
  const SpanData& first = chunks[0].spans[0];
  const SpanData& second = chunks[1].spans[0];
  ASSERT_EQ(first.name, "root");
  ASSERT_EQ(second.name, "root");
  EXPECT_EQ(meta_of(first), meta_of(second));
  EXPECT_EQ(metrics_of(first), metrics_of(second));
  EXPECT_EQ(chunks[0].sampling_priority, chunks[1].sampling_priority);
  EXPECT_TRUE(first.metrics.contains("_sampling_priority_v1"));
  EXPECT_EQ(first.meta.contains("_dd.p.dm"), chunks[0].sampling_priority > 0);
}

class SamplingTagsTest : public ::testing::TestWithParam<const char*> {
 protected:
  Tracer make_tracer() {
    setup_.env["DD_TRACE_SAMPLING_RULES"] = GetParam();
    auto config = setup_.config();
    config.startup_logs = false;
    auto finalized = finalize_config(config);
    EXPECT_TRUE(finalized) << (finalized ? "" : finalized.error().message);
    return Tracer(*finalized);
  }
  TestTracerSetup setup_;
};

TEST_P(SamplingTagsTest, DecidingAtDeliveryOrEarlierTagsTheRootAlike) {
  Tracer tracer = make_tracer();
  {
    Span root = tracer.create_span({.name = "root"});
    root.create_child({.name = "child"});
  }
  {
    Span root = tracer.create_span({.name = "root"});
    NullWriter writer;
    root.inject(writer);  // decides now
    root.create_child({.name = "child"});
  }
  // First the root decided at its delivery, then the one decided earlier.
  expect_roots_tagged_alike(setup_.collector->chunks());
}

TEST_P(SamplingTagsTest, PartialChunkLeavesTheTraceTagsForTheRoot) {
  setup_.env["DD_TRACE_PARTIAL_FLUSH_ENABLED"] = "true";
  setup_.env["DD_TRACE_PARTIAL_FLUSH_MIN_SPANS"] = "2";
  Tracer tracer = make_tracer();
  {
    Span root = tracer.create_span({.name = "root"});
    root.create_child({.name = "a"});
    root.create_child({.name = "b"});  // decided with this partial chunk
  }
  { Span root = tracer.create_span({.name = "root"}); }
  const auto chunks = setup_.collector->chunks();
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].spans.size(), 2u);
  EXPECT_TRUE(chunks[0].spans[0].metrics.contains("_sampling_priority_v1"));
  const SpanData& late_root = chunks[1].spans[0];
  const SpanData& alone = chunks[2].spans[0];
  ASSERT_EQ(late_root.name, "root");
  // The root of the partially flushed trace carries the decision's trace tags and
  // metrics, as a root decided at its own delivery does.
  EXPECT_EQ(meta_of(late_root), meta_of(alone));
  EXPECT_EQ(metrics_of(late_root), metrics_of(alone));
  EXPECT_EQ(chunks[1].sampling_priority, chunks[2].sampling_priority);
}

TEST_P(SamplingTagsTest, LastHandleDeliveryTagsTheRootAsAnEarlierOne) {
  Tracer tracer = make_tracer();
  {
    // The root's handle is the last: its delivery writes the decision's trace tags
    // straight onto the root, without the segment's list.
    Span root = tracer.create_span({.name = "root"});
    root.set_tag("a", "1");
    root.create_child({.name = "child"});
  }
  {
    // A child's handle outlives the delivery (which could still inject): the list is
    // written, then copied onto the root.
    Span root = tracer.create_span({.name = "root"});
    root.set_tag("a", "1");
    Span child = root.create_child({.name = "child"});
    child.finish();
    root.finish();
  }
  expect_roots_tagged_alike(setup_.collector->chunks());
}

// No rules (the default keep-all), a rule that keeps, a rule that drops.
INSTANTIATE_TEST_SUITE_P(Rules, SamplingTagsTest,
                         ::testing::Values("[]", R"([{"sample_rate": 1}])",
                                           R"([{"sample_rate": 0}])"));

}  // namespace
}  // namespace gatetrace
