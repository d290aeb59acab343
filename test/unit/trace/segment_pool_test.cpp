// Trace segments are recycled per thread (segment_pool.h): a recycled segment, its span
// list and its trace-tag list must make every trace look exactly as on a fresh thread,
// whatever the trace before it carried (extracted trace tags, a manual decision, an
// origin, many spans), and segments freed on another thread, or during thread exit,
// must stay sound.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gatetrace/collector.h"
#include "gatetrace/dict_reader.h"
#include "gatetrace/span_data.h"
#include "gatetrace/trace/segment_pool.h"
#include "gatetrace/trace/trace_segment.h"
#include "gatetrace/tracer.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

using testing::RecordingCollector;
using testing::TestTracerSetup;

// What a delivered span says, without its ids (which differ between runs).
struct SpanView {
  std::string name, service, resource;
  std::uint64_t trace_id_high = 0;
  bool is_root = false;
  std::vector<std::pair<std::string, std::string>> meta;
  std::vector<std::pair<std::string, double>> metrics;
  bool operator==(const SpanView& o) const {
    return name == o.name && service == o.service && resource == o.resource &&
           is_root == o.is_root && meta == o.meta && metrics == o.metrics;
  }
};

std::vector<std::vector<SpanView>> views(const std::vector<RecordingCollector::Chunk>& chunks) {
  std::vector<std::vector<SpanView>> out;
  for (const auto& chunk : chunks) {
    std::vector<SpanView> spans;
    for (const SpanData& span : chunk.spans) {
      SpanView view{std::string(span.name), std::string(span.service), std::string(span.resource)};
      view.is_root = span.parent_id == 0;
      for (const auto& [key, value] : span.meta) {
        if (key != "_dd.p.tid") view.meta.emplace_back(key, value);
      }
      view.metrics.assign(span.metrics.begin(), span.metrics.end());
      spans.push_back(std::move(view));
    }
    out.push_back(std::move(spans));
  }
  return out;
}

using Headers = HeaderListReader::Headers;

// One trace of each kind the segment's recycled state could leak from or into.
std::vector<std::function<void(Tracer&)>> scenarios() {
  return {
      // Extracted trace tags and origin, a decision from upstream.
      [](Tracer& tracer) {
        const Headers headers = {{"x-datadog-trace-id", "123"},
                                 {"x-datadog-parent-id", "456"},
                                 {"x-datadog-sampling-priority", "2"},
                                 {"x-datadog-origin", "synthetics"},
                                 {"x-datadog-tags", "_dd.p.dm=-4,_dd.p.usr=abc"}};
        Span root = tracer.extract_or_create_span(HeaderListReader(headers), {.name = "in"});
        root.create_child({.name = "child", .service = "other-svc"});
      },
      // A plain new trace: decided here, `_dd.p.dm` in a recycled tag list.
      [](Tracer& tracer) {
        Span root = tracer.create_span({.name = "plain", .resource = "GET /"});
        root.set_tag("k", "v");
      },
      // A manual drop, then a manual keep.
      [](Tracer& tracer) {
        Span root = tracer.create_span({.name = "manual", .service = "svc-a"});
        root.drop_trace();
        Span child = root.create_child({.name = "c"});
        child.keep_trace();
      },
      // Many spans (a span list larger than the spare's).
      [](Tracer& tracer) {
        Span root = tracer.create_span({.name = "wide"});
        for (int i = 0; i < 40; ++i) root.create_child({.name = "leaf" + std::to_string(i % 3)});
      },
      // Headers carrying only baggage.
      [](Tracer& tracer) {
        const Headers headers = {{"baggage", "user=alice"}};
        Span root = tracer.extract_or_create_span(HeaderListReader(headers), {.name = "bag"});
        EXPECT_EQ(root.baggage("user"), std::optional<std::string>("alice"));
      },
      // Baggage set on a new trace: none left for the next one.
      [](Tracer& tracer) {
        Span root = tracer.create_span({.name = "set.bag"});
        EXPECT_FALSE(root.baggage("k"));
        root.set_baggage("k", "v");
        EXPECT_EQ(root.baggage("k"), std::optional<std::string>("v"));
      },
      // An extracted context without trace tags.
      [](Tracer& tracer) {
        const Headers headers = {{"x-datadog-trace-id", "77"}, {"x-datadog-parent-id", "88"}};
        Span root = tracer.extract_or_create_span(HeaderListReader(headers), {.name = "bare"});
        EXPECT_FALSE(root.baggage("user"));
      },
  };
}

// Runs `run` on a new thread (fresh pools) with a new tracer; returns what it sent.
std::vector<std::vector<SpanView>> on_fresh_thread(const std::function<void(Tracer&)>& run) {
  TestTracerSetup setup;
  std::vector<std::vector<SpanView>> out;
  std::thread([&] {
    Tracer tracer(setup.config());
    run(tracer);
    out = views(setup.collector->chunks());
  }).join();
  return out;
}

TEST(SegmentPool, RecycledSegmentsLookLikeFreshOnes) {
  const auto all = scenarios();
  std::vector<std::vector<std::vector<SpanView>>> expected;
  for (const auto& run : all) expected.push_back(on_fresh_thread(run));
  // Every order of two, and the whole list twice, on one thread with one tracer.
  TestTracerSetup setup;
  Tracer tracer(setup.config());
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = 0; j < all.size(); ++j) {
      order.push_back(i);
      order.push_back(j);
    }
  }
  for (int twice = 0; twice < 2; ++twice) {
    for (std::size_t i = 0; i < all.size(); ++i) order.push_back(i);
  }
  std::size_t seen = 0;
  for (std::size_t index : order) {
    all[index](tracer);
    const auto chunks = views(setup.collector->chunks());
    const std::vector<std::vector<SpanView>> latest(chunks.begin() + seen, chunks.end());
    seen = chunks.size();
    EXPECT_TRUE(latest == expected[index]) << "scenario " << index;
  }
}

TEST(SegmentPool, SegmentsFreedOnAnotherThread) {
  TestTracerSetup setup;
  Tracer tracer(setup.config());
  std::vector<Span> spans;
  for (int i = 0; i < 3 * static_cast<int>(SegmentPool::kMaxSegments); ++i) {
    spans.push_back(tracer.create_span({.name = "moved"}));
  }
  // Ended there: that thread's pool keeps the segments it has room for.
  std::thread([spans = std::move(spans)]() mutable { spans.clear(); }).join();
  for (int i = 0; i < 10; ++i) tracer.create_span({.name = "after"});
  EXPECT_EQ(setup.collector->chunks().size(), 3 * SegmentPool::kMaxSegments + 10);
}

// A span held by a thread_local object finishes while the thread's destructors run,
// possibly after its segment pool is gone.
TEST(SegmentPool, SegmentFreedDuringThreadExit) {
  TestTracerSetup setup;
  Tracer tracer(setup.config());
  std::thread([&] {
    struct Holder {
      Span span;
    };
    thread_local Holder early;
    Holder& first = early;  // constructed before the pools: destroyed after them
    first.span = tracer.create_span({.name = "exit"});
    tracer.create_span({.name = "warm"});  // creates this thread's pools
    thread_local Holder late;
    late.span = tracer.create_span({.name = "exit"});
  }).join();
  EXPECT_EQ(setup.collector->chunks().size(), 3u);
}

TEST(SegmentPool, PoolKeepsABoundedNumberOfSegments) {
  TestTracerSetup setup;
  Tracer tracer(setup.config());
  {
    std::vector<Span> open;
    for (int i = 0; i < 50; ++i) open.push_back(tracer.create_span({.name = "many"}));
  }
  SegmentPool* pool = segment_pool();
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->segment_count, SegmentPool::kMaxSegments);
}

// A trace that grew its span list past the bound leaves no pooled segment holding a
// large list: a complete trace's list goes to the delivery (the thread's spare list,
// bounded on its own, see HugeDeliveryListIsNotKept) in exchange for the spare's, and a
// segment that ends holding a large list is freed rather than kept.
TEST(SegmentPool, SegmentOfAHugeTraceIsNotKept) {
  TestTracerSetup setup;
  Tracer tracer(setup.config());
  { Span warm = tracer.create_span({.name = "warm"}); }  // this thread's pool exists
  SegmentPool* pool = segment_pool();
  ASSERT_NE(pool, nullptr);
  const std::size_t kept_before = pool->segment_count;
  ASSERT_GT(kept_before, 0u);
  const auto pooled_lists_are_small = [pool] {
    for (std::size_t i = 0; i < pool->segment_count; ++i) {
      EXPECT_LE(pool->segments[i]->span_list_capacity(), SegmentPool::kMaxPooledListCapacity);
    }
  };
  {
    Span root = tracer.create_span({.name = "huge"});  // takes a pooled segment
    EXPECT_EQ(pool->segment_count, kept_before - 1);
    for (std::size_t i = 0; i < SegmentPool::kMaxPooledListCapacity + 10; ++i) {
      root.create_child({.name = "child"});
    }
  }
  pooled_lists_are_small();
  EXPECT_GT(pool->spare_chunk.spans.capacity(), SegmentPool::kMaxPooledListCapacity);
  // The next traces still work, from the segments left and new ones; the one that takes
  // the large spare list in exchange for its own is not kept.
  for (int i = 0; i < 3; ++i) {
    Span root = tracer.create_span({.name = "after"});
    root.create_child({.name = "c"});
  }
  pooled_lists_are_small();
  EXPECT_LE(pool->spare_chunk.spans.capacity(), SegmentPool::kMaxPooledListCapacity);
  EXPECT_EQ(setup.collector->chunks().size(), 5u);
  EXPECT_EQ(setup.collector->chunks().back().spans.size(), 2u);
}

// Under partial flush, a finishing span's entry in the segment's list is marked; a
// complete trace's list becomes the chunk's list as it is, so the marks must be off by
// then: every delivered span whole, in the order added, whether or not a partial
// flush took some spans out first.
std::vector<std::vector<std::string>> chunk_names(const RecordingCollector& collector) {
  std::vector<std::vector<std::string>> out;
  for (const auto& chunk : collector.chunks()) {
    std::vector<std::string> names;
    for (const SpanData& span : chunk.spans) names.emplace_back(span.name);
    out.push_back(std::move(names));
  }
  return out;
}

TEST(SegmentPool, PartialFlushMarksAreOffInACompleteTrace) {
  for (const std::size_t min_spans : {100, 2}) {
    TestTracerSetup setup;
    TracerConfig config = setup.config();
    config.partial_flush_enabled = true;
    config.partial_flush_min_spans = min_spans;
    Tracer tracer(config);
    {
      Span root = tracer.create_span({.name = "root"});
      Span c0 = root.create_child({.name = "c0"});
      Span c1 = root.create_child({.name = "c1"});
      Span c2 = root.create_child({.name = "c2"});
      c2.finish();
      c1.finish();  // with min_spans 2: c1 and c2 go now
      c0.finish();
    }
    // The next trace on this thread reuses the segment and the lists.
    {
      Span again = tracer.create_span({.name = "again"});
      again.create_child({.name = "a0"});
    }
    const std::vector<std::vector<std::string>> expected =
        min_spans == 2
            ? std::vector<std::vector<std::string>>{{"c1", "c2"}, {"root", "c0"}, {"again", "a0"}}
            : std::vector<std::vector<std::string>>{{"root", "c0", "c1", "c2"}, {"again", "a0"}};
    EXPECT_EQ(chunk_names(*setup.collector), expected) << "min_spans " << min_spans;
  }
}

// A collector that, while sending one chunk, finishes the spans of another trace: the
// nested delivery runs on the same thread while the outer one still holds the thread's
// list of finished spans (trace_segment.cpp's ReadyChunk), and must use one of its own.
class ReenteringCollector final : public Collector {
 public:
  std::function<void()> during_next_send;
  std::vector<std::vector<std::string>> sent;  // span names per chunk, in completion order

  void send(const TraceChunk& chunk) override {
    const std::vector<std::string> before = names(chunk);
    if (during_next_send) {
      auto nested = std::move(during_next_send);
      during_next_send = nullptr;
      nested();
    }
    const std::vector<std::string> after = names(chunk);
    EXPECT_EQ(before, after) << "the nested delivery changed the outer chunk";
    sent.push_back(after);
  }
  bool flush(std::chrono::milliseconds) override { return true; }

 private:
  static std::vector<std::string> names(const TraceChunk& chunk) {
    std::vector<std::string> out;
    for (const SpanData* span : chunk.spans) out.emplace_back(span->name);
    return out;
  }
};

TEST(SegmentPool, DeliveryReenteredByTheCollector) {
  TestTracerSetup setup;
  auto collector = std::make_shared<ReenteringCollector>();
  TracerConfig config = setup.config();
  config.collector = collector;
  Tracer tracer(config);
  Span inner = tracer.create_span({.name = "inner"});
  Span inner_child = inner.create_child({.name = "inner.child"});
  collector->during_next_send = [&] {
    inner_child = Span();
    inner = Span();
  };
  {
    Span outer = tracer.create_span({.name = "outer"});
    Span outer_child = outer.create_child({.name = "outer.child"});
    Span outer_grandchild = outer_child.create_child({.name = "outer.grandchild"});
  }
  // Afterwards the thread's list serves deliveries again.
  { Span after = tracer.create_span({.name = "after"}); }
  const std::vector<std::vector<std::string>> expected = {
      {"inner", "inner.child"},
      {"outer", "outer.child", "outer.grandchild"},
      {"after"},
  };
  EXPECT_EQ(collector->sent, expected);
  SegmentPool* pool = segment_pool();
  ASSERT_NE(pool, nullptr);
  EXPECT_FALSE(pool->spare_chunk_in_use);
  EXPECT_TRUE(pool->spare_chunk.spans.empty());
}

// A huge trace's list of finished spans is let go, not kept for the thread.
TEST(SegmentPool, HugeDeliveryListIsNotKept) {
  TestTracerSetup setup;
  Tracer tracer(setup.config());
  {
    Span root = tracer.create_span({.name = "huge"});
    for (std::size_t i = 0; i < SegmentPool::kMaxSpareCapacity + 10; ++i) {
      root.create_child({.name = "child"});
    }
  }
  ASSERT_EQ(setup.collector->chunks().size(), 1u);
  EXPECT_EQ(setup.collector->chunks()[0].spans.size(), SegmentPool::kMaxSpareCapacity + 11);
  SegmentPool* pool = segment_pool();
  ASSERT_NE(pool, nullptr);
  EXPECT_FALSE(pool->spare_chunk_in_use);
  EXPECT_LE(pool->spare_chunk.spans.capacity(), SegmentPool::kMaxSpareCapacity);
}

}  // namespace
}  // namespace gatetrace
