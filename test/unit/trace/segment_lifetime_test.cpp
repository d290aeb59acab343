// A trace segment lives exactly as long as a Span handle refers to it: it counts its
// handles under its own lock (no shared_ptr per Span) and deletes itself with the last
// one. These tests watch that through the tracer's collector: the segment holds the
// tracer's core, which holds the collector, so the collector is freed once the last
// segment is gone and the Tracer is destroyed.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gatetrace/span_data.h"
#include "gatetrace/tracer.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

// Counts chunks and spans, and remembers span names in chunk order.
class CountingCollector final : public Collector {
 public:
  void send(const TraceChunk& chunk) override {
    ++chunks;
    if (spans_out != nullptr) *spans_out += static_cast<int>(chunk.spans.size());
    std::lock_guard<std::mutex> lock(mutex);
    for (const SpanData* span : chunk.spans) names.push_back(span->name);
  }
  bool flush(std::chrono::milliseconds) override { return true; }

  std::atomic<int> chunks{0};
  std::mutex mutex;
  std::vector<std::string> names;         // read once the finishing threads are done
  std::atomic<int>* spans_out = nullptr;  // also counts spans there, if set
};

class SegmentLifetimeTest : public ::testing::Test {
 protected:
  // A tracer whose only owner of the collector (besides the core) is `weak_`.
  std::unique_ptr<Tracer> make_tracer() {
    auto collector = std::make_shared<CountingCollector>();
    collector_ = collector.get();
    weak_ = collector;
    TracerConfig config = setup_.config();
    config.startup_logs = false;
    config.collector = std::move(collector);
    auto finalized = finalize_config(config);
    EXPECT_TRUE(finalized);
    return std::make_unique<Tracer>(*finalized);
  }
  // True once the tracer and every segment of its spans are gone.
  bool all_released() const { return weak_.expired(); }

  testing::TestTracerSetup setup_;
  std::weak_ptr<Collector> weak_;
  CountingCollector* collector_ = nullptr;
};

TEST_F(SegmentLifetimeTest, LastHandleFreesTheSegment) {
  auto tracer = make_tracer();
  {
    Span root = tracer->create_span({.name = "root"});
    Span child = root.create_child({.name = "child"});
    tracer.reset();
    EXPECT_FALSE(all_released()) << "the open spans' segment keeps the core";
  }
  EXPECT_TRUE(all_released());
}

TEST_F(SegmentLifetimeTest, SpanOutlivingTheTracerIsStillDelivered) {
  auto tracer = make_tracer();
  Span root = tracer->create_span({.name = "root"});
  tracer.reset();
  ASSERT_FALSE(all_released());
  CountingCollector* collector = collector_;
  root.finish();
  EXPECT_EQ(collector->chunks.load(), 1);
  EXPECT_FALSE(all_released()) << "a finished span's handle still refers to its segment";
  EXPECT_NE(root.id(), 0u);
  root = Span();  // releases the handle
  EXPECT_TRUE(all_released());
}

TEST_F(SegmentLifetimeTest, FinishedSpansKeepWorkingUntilTheirHandleGoes) {
  auto tracer = make_tracer();
  Span root = tracer->create_span({.name = "root"});
  root.finish();
  ASSERT_EQ(collector_->chunks.load(), 1);
  // A finished handle can still inject, read baggage and start children: the child
  // goes out in a chunk of its own.
  root.set_baggage("k", "v");
  EXPECT_EQ(root.baggage("k"), std::optional<std::string>("v"));
  {
    Span late = root.create_child({.name = "late"});
    EXPECT_EQ(late.parent_id(), root.id());
  }
  EXPECT_EQ(collector_->chunks.load(), 2);
  EXPECT_EQ(collector_->names, (std::vector<std::string>{"root", "late"}));
  tracer.reset();
  EXPECT_FALSE(all_released());
  root = Span();
  EXPECT_TRUE(all_released());
}

TEST_F(SegmentLifetimeTest, MovesTransferTheHandle) {
  auto tracer = make_tracer();
  {
    Span a = tracer->create_span({.name = "a"});
    Span b = tracer->create_span({.name = "b"});
    Span moved(std::move(a));
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented behaviour
    // Move-assigning over a live span finishes it and releases its handle first.
    b = std::move(moved);
    EXPECT_EQ(collector_->names, (std::vector<std::string>{"b"}));
    Span& alias = b;
    b = std::move(alias);  // self-move: no effect
    EXPECT_FALSE(b.empty());
    EXPECT_FALSE(b.finished());
    tracer.reset();
    EXPECT_FALSE(all_released());
  }
  EXPECT_TRUE(all_released());
}

TEST_F(SegmentLifetimeTest, HandlesReleasedOnOtherThreads) {
  auto tracer = make_tracer();
  {
    Span root = tracer->create_span({.name = "root"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      Span child = root.create_child({.name = "child"});
      if (t % 2 == 0) child.finish();  // finished here, released there
      threads.emplace_back([child = std::move(child)]() mutable {
        for (int i = 0; i < 50; ++i) child.create_child({.name = "leaf"});
      });
    }
    tracer.reset();
    for (auto& thread : threads) thread.join();
  }
  EXPECT_TRUE(all_released());
}

TEST_F(SegmentLifetimeTest, PartialFlushThenLastHandle) {
  setup_.env["DD_TRACE_PARTIAL_FLUSH_ENABLED"] = "true";
  setup_.env["DD_TRACE_PARTIAL_FLUSH_MIN_SPANS"] = "2";
  auto tracer = make_tracer();
  {
    Span root = tracer->create_span({.name = "root"});
    for (int i = 0; i < 5; ++i) root.create_child({.name = "child"});
    EXPECT_EQ(collector_->chunks.load(), 2);
    tracer.reset();
  }
  EXPECT_TRUE(all_released());
}

// The core is kept by the segments' per-thread counts (segment_ref_count.h), not by a
// shared_ptr per segment: traces created on several threads, finished there while the
// Tracer is destroyed, are all delivered, and the core goes with the last of them.
TEST_F(SegmentLifetimeTest, CoreOutlivesSegmentsFinishedOnManyThreads) {
  auto tracer = make_tracer();
  std::atomic<int> delivered{0};  // outlives the collector, which goes with the core
  collector_->spans_out = &delivered;
  constexpr int kThreads = 4;
  constexpr int kTraces = 50;
  std::vector<std::vector<Span>> spans(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kTraces; ++i) spans[t].push_back(tracer->create_span({.name = "root"}));
  }
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      // New traces on this thread too, while the Tracer may be going.
      for (Span& root : spans[t]) {
        Span child = root.create_child({.name = "child"});
        child.finish();
        root = Span();
      }
    });
  }
  go = true;
  tracer.reset();
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(all_released());
  EXPECT_EQ(delivered.load(), 2 * kThreads * kTraces);
}

}  // namespace
}  // namespace gatetrace

namespace gatetrace {
namespace {

// A complete trace goes out root first, the others in the order they were created,
// whichever finishes last; the segment goes with its last handle, whether that is the
// span finishing the trace or an earlier one's.
TEST_F(SegmentLifetimeTest, CompleteTraceOrderAndLastHandleInAnyFinishingOrder) {
  auto tracer = make_tracer();
  // Each case: the order in which root (0) and children (1..3) finish, by release.
  const std::vector<std::vector<int>> orders = {
      {1, 2, 3, 0}, {0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}, {0, 3, 2, 1}};
  for (const auto& order : orders) {
    collector_->names.clear();
    const int chunks = collector_->chunks.load();
    std::vector<Span> spans;
    spans.push_back(tracer->create_span({.name = "root"}));
    for (int i = 1; i <= 3; ++i)
      spans.push_back(spans[0].create_child({.name = "c" + std::to_string(i)}));
    for (int index : order) spans[index] = Span();
    EXPECT_EQ(collector_->chunks.load(), chunks + 1);
    EXPECT_EQ(collector_->names, (std::vector<std::string>{"root", "c1", "c2", "c3"}));
  }
  // Finished with finish(), the handles released afterwards in any order: the trace is
  // delivered by the last finish, the segment freed by the last release.
  for (const auto& order : orders) {
    collector_->names.clear();
    std::vector<Span> spans;
    spans.push_back(tracer->create_span({.name = "root"}));
    for (int i = 1; i <= 3; ++i)
      spans.push_back(spans[0].create_child({.name = "c" + std::to_string(i)}));
    for (int index : order) spans[index].finish();
    EXPECT_EQ(collector_->names, (std::vector<std::string>{"root", "c1", "c2", "c3"}));
    for (auto it = order.rbegin(); it != order.rend(); ++it) spans[*it] = Span();
  }
  // A span finished by its release while an earlier-finished handle still lives: the
  // segment stays for that handle, which can still start a child.
  Span kept = tracer->create_span({.name = "root"});
  {
    Span child = kept.create_child({.name = "child"});
    kept.finish();
  }
  EXPECT_EQ(collector_->names.back(), "child");
  kept.create_child({.name = "late"});
  EXPECT_EQ(collector_->names.back(), "late");
  tracer.reset();
  EXPECT_FALSE(all_released());
  kept = Span();
  EXPECT_TRUE(all_released());
}

// After a partial flush has sent the root, the rest of the trace goes out without it,
// in creation order, once every span left is finished.
TEST_F(SegmentLifetimeTest, CompleteRestAfterPartialFlushKeepsCreationOrder) {
  setup_.env["DD_TRACE_PARTIAL_FLUSH_ENABLED"] = "true";
  setup_.env["DD_TRACE_PARTIAL_FLUSH_MIN_SPANS"] = "2";
  auto tracer = make_tracer();
  {
    Span root = tracer->create_span({.name = "root"});
    Span a = root.create_child({.name = "a"});
    Span b = root.create_child({.name = "b"});
    Span c = root.create_child({.name = "c"});
    root.finish();
    a.finish();  // two finished: partial flush of root and a
    EXPECT_EQ(collector_->names, (std::vector<std::string>{"root", "a"}));
    c.finish();
    b.finish();  // the rest, complete: b, c in creation order
    EXPECT_EQ(collector_->names, (std::vector<std::string>{"root", "a", "b", "c"}));
    EXPECT_EQ(collector_->chunks.load(), 2);
    tracer.reset();
  }
  EXPECT_TRUE(all_released());
}

// The root leads its chunk however the trace's spans finish: first (found at the front
// of the segment's list), last after a partial flush sent other spans, or in between.
TEST_F(SegmentLifetimeTest, RootLeadsItsChunkInEveryFinishOrder) {
  setup_.env["DD_TRACE_PARTIAL_FLUSH_ENABLED"] = "true";
  setup_.env["DD_TRACE_PARTIAL_FLUSH_MIN_SPANS"] = "2";
  auto tracer = make_tracer();
  {
    Span root = tracer->create_span({.name = "root"});
    Span a = root.create_child({.name = "a"});
    Span b = root.create_child({.name = "b"});
    Span c = root.create_child({.name = "c"});
    a.finish();
    b.finish();  // two finished: a partial chunk without the root
    EXPECT_EQ(collector_->names, (std::vector<std::string>{"a", "b"}));
    c.finish();     // one finished: nothing sent
    root.finish();  // the rest, complete: the root first
    EXPECT_EQ(collector_->names, (std::vector<std::string>{"a", "b", "root", "c"}));
  }
  {
    Span root = tracer->create_span({.name = "root2"});
    Span a = root.create_child({.name = "a2"});
    root.finish();  // one finished: nothing sent, the root marked first
    Span b = a.create_child({.name = "b2"});
    b.finish();  // two finished: the root, then b2, a2 still open
    a.finish();
  }
  EXPECT_EQ(collector_->names,
            (std::vector<std::string>{"a", "b", "root", "c", "root2", "b2", "a2"}));
  EXPECT_EQ(collector_->chunks.load(), 4);
  tracer.reset();
  EXPECT_TRUE(all_released());
}

}  // namespace
}  // namespace gatetrace
