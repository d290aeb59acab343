// The exporter's per-thread blocks: traces of threads that exit or are still running
// are delivered by flush() and by destruction, the buffer bound holds while the agent is
// down, payloads split inside a block keep every trace whole and in order, and the
// request body is byte for byte the encoder's output.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "gatetrace/export/agent_exporter.h"
#include "gatetrace/export/msgpack_writer.h"
#include "gatetrace/export/span_encoder.h"
#include "support/fake_http_client.h"
#include "support/msgpack_inspect.h"
#include "support/recording_logger.h"
#include "support/span_factory.h"

namespace gatetrace {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttpClient;
using testing::RecordingLogger;

const EncodeContext kContext{"web-backend", "rid-1", 321};

class ExporterBlocksTest : public ::testing::Test {
 protected:
  ExporterSettings settings() {
    ExporterSettings s;
    s.flush_interval = 1h;  // flushes only when a test asks
    s.early_flush_bytes = 0;
    s.shutdown_timeout = 5s;
    s.request_timeout = 2s;
    s.default_service = "web-backend";
    s.runtime_id = "rid-1";
    s.process_id = 321;
    s.cgroup_path = "";
    return s;
  }

  // The trace ids of every trace the agent received, in the order received.
  std::vector<std::uint64_t> received_trace_ids() {
    std::vector<std::uint64_t> ids;
    for (const auto& recorded : client_->requests()) {
      const nlohmann::json payload = testing::decode_checked(recorded.request.body);
      for (const auto& trace : payload) ids.push_back(trace[0].at("trace_id").get<std::uint64_t>());
    }
    return ids;
  }

  std::shared_ptr<FakeHttpClient> client_ = std::make_shared<FakeHttpClient>();
  std::shared_ptr<RecordingLogger> logger_ = std::make_shared<RecordingLogger>();
};

// Lets threads wait at a point until the test releases them.
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

TEST_F(ExporterBlocksTest, ThePayloadIsTheEncodersBytesBackToBack) {
  AgentExporter exporter(settings(), client_, logger_);
  std::vector<testing::OwnedChunk> chunks;
  std::string expected;
  char header[MsgpackWriter::kMaxContainerHeader];
  expected.append(header, MsgpackWriter::put_array_header(header, 40));
  for (std::uint64_t i = 1; i <= 40; ++i) {
    chunks.push_back(testing::make_chunk(i, 1 + i % 4, i % 3 == 0 ? "other" : "web-backend"));
    encode_chunk(expected, chunks.back().chunk, kContext);
  }
  for (const auto& chunk : chunks) exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(5s));
  const auto requests = client_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request.body, expected);
}

TEST_F(ExporterBlocksTest, AThreadThatExitsWithAPartlyFilledBlockIsDelivered) {
  AgentExporter exporter(settings(), client_, logger_);
  std::thread([&] {
    for (std::uint64_t i = 1; i <= 3; ++i) {
      auto chunk = testing::make_chunk(i);
      exporter.send(chunk.chunk);
    }
  }).join();
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(received_trace_ids(), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(exporter.stats().traces_enqueued, 3u);
  // A thread started later takes over the free slot and its traces go too.
  std::thread([&] {
    auto chunk = testing::make_chunk(4);
    exporter.send(chunk.chunk);
  }).join();
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(received_trace_ids(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

// Finishes a trace from a thread_local's destructor, as a span kept in a thread_local
// does when its thread exits: after the exporter's own per-thread table is gone.
struct SendAtThreadExit {
  AgentExporter* exporter = nullptr;
  testing::OwnedChunk chunk;
  ~SendAtThreadExit() {
    if (exporter != nullptr) exporter->send(chunk.chunk);
  }
};
thread_local SendAtThreadExit send_at_thread_exit;

TEST_F(ExporterBlocksTest, ATraceFinishedWhileTheThreadExitsIsDelivered) {
  AgentExporter exporter(settings(), client_, logger_);
  for (int round = 0; round < 3; ++round) {
    std::thread([&, round] {
      send_at_thread_exit.exporter = &exporter;
      send_at_thread_exit.chunk = testing::make_chunk(static_cast<std::uint64_t>(round * 10 + 2));
      auto chunk = testing::make_chunk(static_cast<std::uint64_t>(round * 10 + 1));
      exporter.send(chunk.chunk);
    }).join();
  }
  ASSERT_TRUE(exporter.flush(5s));
  auto ids = received_trace_ids();
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{1, 2, 11, 12, 21, 22}));
  EXPECT_EQ(exporter.stats().traces_enqueued, 6u);
}

TEST_F(ExporterBlocksTest, FlushTakesThePartlyFilledBlocksOfRunningThreads) {
  AgentExporter exporter(settings(), client_, logger_);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 7;
  Gate flushed;
  Gate finish;
  std::atomic<int> sent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto chunk = testing::make_chunk(static_cast<std::uint64_t>(t * 100 + i + 1));
        exporter.send(chunk.chunk);
      }
      sent.fetch_add(1);
      flushed.wait();
      // After the flush took its block, the thread starts a new one.
      auto chunk = testing::make_chunk(static_cast<std::uint64_t>(t * 100 + 50));
      exporter.send(chunk.chunk);
      finish.wait();
    });
  }
  while (sent.load() < kThreads) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(received_trace_ids().size(), static_cast<std::size_t>(kThreads * kPerThread));
  flushed.open();
  while (exporter.stats().traces_enqueued < kThreads * (kPerThread + 1)) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(exporter.flush(5s));
  const auto ids = received_trace_ids();
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * (kPerThread + 1)));
  // Each thread's traces arrive in the order it sent them.
  for (int t = 0; t < kThreads; ++t) {
    std::vector<std::uint64_t> mine;
    for (std::uint64_t id : ids) {
      if (id / 100 == static_cast<std::uint64_t>(t)) mine.push_back(id % 100);
    }
    EXPECT_EQ(mine, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 50}));
  }
  finish.open();
  for (auto& thread : threads) thread.join();
}

TEST_F(ExporterBlocksTest, DestructionDeliversThePartlyFilledBlocksOfSeveralThreads) {
  constexpr int kThreads = 5;
  auto exporter = std::make_unique<AgentExporter>(settings(), client_, logger_);
  Gate finish;
  std::atomic<int> sent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto chunk = testing::make_chunk(static_cast<std::uint64_t>(t + 1), 2);
      exporter->send(chunk.chunk);
      exporter->send(chunk.chunk);
      sent.fetch_add(1);
      // Half the threads exit before the exporter goes, half after (their slots outlive
      // the exporter).
      if (t % 2 == 0) finish.wait();
    });
  }
  while (sent.load() < kThreads) std::this_thread::sleep_for(1ms);
  for (int t = 1; t < kThreads; t += 2) threads[static_cast<std::size_t>(t)].join();
  exporter.reset();
  EXPECT_EQ(received_trace_ids().size(), 2u * kThreads);
  finish.open();
  for (int t = 0; t < kThreads; t += 2) threads[static_cast<std::size_t>(t)].join();
}

TEST_F(ExporterBlocksTest, TheBoundHoldsWhileTheAgentIsDown) {
  client_->set_default(Error{Error::kHttpTransport, "connection refused"});
  auto s = settings();
  s.buffer_size_bytes = 64 * 1024;
  AgentExporter exporter(s, client_, logger_);
  auto chunk = testing::make_chunk(1, 3);
  std::string encoded;
  encode_chunk(encoded, chunk.chunk, kContext);
  const std::uint64_t most = s.buffer_size_bytes / encoded.size();
  std::uint64_t enqueued = 0;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 1000; ++i) exporter.send(chunk.chunk);
    const ExporterStats stats = exporter.stats();
    const std::uint64_t added = stats.traces_enqueued - enqueued;
    enqueued = stats.traces_enqueued;
    // Each round fills the room the failed flush before it freed, and no more.
    EXPECT_LE(added, most);
    EXPECT_GE(added, most * 3 / 4);
    EXPECT_EQ(stats.traces_enqueued + stats.traces_dropped_queue_full, 1000u * (round + 1));
    ASSERT_TRUE(exporter.flush(10s));
  }
  const ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.traces_dropped_send_failed, stats.traces_enqueued);
  EXPECT_EQ(stats.traces_sent, 0u);
}

TEST_F(ExporterBlocksTest, PayloadsSplitInsideBlocksKeepEveryTraceWholeAndInOrder) {
  auto s = settings();
  s.buffer_size_bytes = 64 * 1024;  // blocks of 4 KiB: many traces per block
  s.max_payload_size_bytes = 2500;  // a payload ends inside a block
  AgentExporter exporter(s, client_, logger_);
  std::vector<testing::OwnedChunk> chunks;
  for (std::uint64_t i = 1; i <= 60; ++i) chunks.push_back(testing::make_chunk(i, 1 + i % 3));
  for (const auto& chunk : chunks) exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(5s));
  const auto requests = client_->requests();
  ASSERT_GT(requests.size(), 5u);
  for (const auto& recorded : requests) EXPECT_LE(recorded.request.body.size(), 2500u);
  std::vector<std::uint64_t> expected;
  for (std::uint64_t i = 1; i <= 60; ++i) expected.push_back(i);
  EXPECT_EQ(received_trace_ids(), expected);
  EXPECT_EQ(exporter.stats().traces_sent, 60u);
}

TEST_F(ExporterBlocksTest, ATraceLargerThanABlockIsSentWhole) {
  auto s = settings();
  s.buffer_size_bytes = 64 * 1024;  // blocks of 4 KiB
  AgentExporter exporter(s, client_, logger_);
  auto small = testing::make_chunk(1);
  auto large = testing::make_chunk(2, 60);
  std::string expected;
  char header[MsgpackWriter::kMaxContainerHeader];
  expected.append(header, MsgpackWriter::put_array_header(header, 3));
  encode_chunk(expected, small.chunk, kContext);
  encode_chunk(expected, large.chunk, kContext);
  encode_chunk(expected, small.chunk, kContext);
  ASSERT_GT(expected.size(), 8u * 1024);
  exporter.send(small.chunk);
  exporter.send(large.chunk);
  exporter.send(small.chunk);
  ASSERT_TRUE(exporter.flush(5s));
  const auto requests = client_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request.body, expected);
}

TEST_F(ExporterBlocksTest, ATraceLargerThanTheBoundIsDroppedAndTheNextFits) {
  auto s = settings();
  s.buffer_size_bytes = 8 * 1024;
  AgentExporter exporter(s, client_, logger_);
  auto small = testing::make_chunk(1);
  auto large = testing::make_chunk(2, 60);
  exporter.send(large.chunk);
  exporter.send(small.chunk);
  const ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.traces_dropped_queue_full, 1u);
  EXPECT_EQ(stats.traces_enqueued, 1u);
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(received_trace_ids(), (std::vector<std::uint64_t>{1}));
}

TEST_F(ExporterBlocksTest, OneThreadSendingToTwoExporters) {
  auto other_client = std::make_shared<FakeHttpClient>();
  AgentExporter first(settings(), client_, logger_);
  AgentExporter second(settings(), other_client, logger_);
  for (std::uint64_t i = 1; i <= 6; ++i) {
    auto chunk = testing::make_chunk(i);
    (i % 2 == 1 ? first : second).send(chunk.chunk);
  }
  ASSERT_TRUE(first.flush(5s));
  ASSERT_TRUE(second.flush(5s));
  EXPECT_EQ(received_trace_ids(), (std::vector<std::uint64_t>{1, 3, 5}));
  EXPECT_EQ(first.stats().traces_sent, 3u);
  EXPECT_EQ(second.stats().traces_sent, 3u);
}

TEST_F(ExporterBlocksTest, ExportersComeAndGoOnALongLivedThread) {
  // Each exporter's first trace on this thread claims a slot; a thread that outlives
  // many exporters keeps none of the gone ones' blocks and still delivers.
  for (std::uint64_t round = 1; round <= 20; ++round) {
    auto client = std::make_shared<FakeHttpClient>();
    {
      AgentExporter exporter(settings(), client, logger_);
      auto chunk = testing::make_chunk(round);
      exporter.send(chunk.chunk);
    }
    ASSERT_EQ(client->request_count(), 1u);
  }
}

// Sends copies of one 10-span trace until about `bytes` of encoded traces are queued
// (for the early-flush tests); returns how many were sent.
std::uint64_t send_about(AgentExporter& exporter, std::size_t bytes) {
  auto chunk = testing::make_chunk(1, 10);
  std::string encoded;
  encode_chunk(encoded, chunk.chunk, kContext);
  const std::uint64_t traces = bytes / encoded.size();
  for (std::uint64_t i = 0; i < traces; ++i) exporter.send(chunk.chunk);
  return traces;
}

// At high request rates the flush interval alone would let the buffer fill and drop
// traces: once early_flush_bytes are queued, the flush thread is woken before its
// interval (here an hour) and sends what is queued.
TEST_F(ExporterBlocksTest, EnoughQueuedBytesWakeTheFlushThreadBeforeItsInterval) {
  auto s = settings();
  s.buffer_size_bytes = 1u << 20;  // blocks of 64 KiB
  s.early_flush_bytes = 96 * 1024;
  AgentExporter exporter(s, client_, logger_);
  // Past the threshold, short of the bound: nothing may be dropped.
  const std::uint64_t traces = send_about(exporter, 128 * 1024);
  ASSERT_TRUE(client_->wait_for_requests(1, 10s));
  EXPECT_FALSE(received_trace_ids().empty());
  ASSERT_TRUE(exporter.flush(5s));
  const ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.traces_dropped_queue_full, 0u);
  EXPECT_EQ(stats.traces_sent, traces);
}

TEST_F(ExporterBlocksTest, BelowTheEarlyFlushThresholdTheIntervalDecides) {
  auto s = settings();
  s.buffer_size_bytes = 1u << 20;
  s.early_flush_bytes = 512 * 1024;
  AgentExporter exporter(s, client_, logger_);
  // Several full blocks, still well below the threshold.
  const std::uint64_t traces = send_about(exporter, 256 * 1024);
  EXPECT_FALSE(client_->wait_for_requests(1, 300ms));
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(exporter.stats().traces_sent, traces);
}

// The threshold is capped at half the buffer, so that a configured buffer smaller than
// the default threshold still flushes early instead of filling up.
TEST_F(ExporterBlocksTest, TheEarlyFlushThresholdIsAtMostHalfTheBuffer) {
  auto s = settings();
  s.buffer_size_bytes = 256 * 1024;  // blocks of 16 KiB
  s.early_flush_bytes = 2u << 20;    // the default, larger than the buffer
  AgentExporter exporter(s, client_, logger_);
  const std::uint64_t traces = send_about(exporter, 160 * 1024);
  ASSERT_TRUE(client_->wait_for_requests(1, 10s));
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(exporter.stats().traces_dropped_queue_full, 0u);
  EXPECT_EQ(exporter.stats().traces_sent, traces);
}

}  // namespace
}  // namespace gatetrace
