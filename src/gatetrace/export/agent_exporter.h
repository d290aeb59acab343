// AgentExporter: the production `Collector`. Request threads hand it finished trace
// segments; it encodes each one to msgpack right there (the spans are then freed by the
// caller) and pushes the bytes onto a bounded lock-free queue. A single flush thread
// wakes every `flush_interval` (or when `flush()` asks), groups what is queued into
// v0.4 payloads of at most `max_payload_size_bytes`, PUTs them to the agent's
// /v0.4/traces with the headers of spec/agent-protocol.md, and feeds the agent's
// `rate_by_service` answer back to the sampler through `on_agent_rates`.
//
// `send` never blocks and never does I/O: when the queue holds `buffer_size_bytes`, the
// chunk is dropped and counted (visible in `stats()`), so a slow or absent agent costs
// the application memory up to the bound and nothing else. Every trace is sent whatever
// its sampling priority: the agent needs all of them for its statistics.
//
// Destruction delivers what is queued, waiting at most `shutdown_timeout` (plus, at
// worst, the remainder of a request already in flight, itself bounded by
// `request_timeout`), then stops the thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gatetrace/collector.h"
#include "gatetrace/export/log_limiter.h"
#include "gatetrace/export/span_encoder.h"
#include "gatetrace/http_client.h"
#include "gatetrace/logger.h"

namespace gatetrace {

struct ExporterSettings {
  std::size_t buffer_size_bytes = 16u << 20;
  std::size_t max_payload_size_bytes = 4u << 20;
  std::chrono::milliseconds flush_interval{2000};
  std::chrono::milliseconds shutdown_timeout{2000};
  std::chrono::milliseconds request_timeout{2000};
  // Process tags written on every span (see span_encoder.h).
  std::string default_service;
  std::string runtime_id;
  double process_id = 0;
  // Called on the flush thread with the agent's rate_by_service after each 200 whose body
  // has that object. It must not call flush() (the thread would wait for itself).
  std::function<void(const std::unordered_map<std::string, double>&)> on_agent_rates;
  bool debug = false;
  // Where the container id is read from; empty disables the container headers.
  std::string cgroup_path = "/proc/self/cgroup";
};

struct ExporterStats {
  std::uint64_t traces_enqueued = 0;
  std::uint64_t traces_dropped_queue_full = 0;
  std::uint64_t traces_sent = 0;
  std::uint64_t traces_dropped_send_failed = 0;
  std::uint64_t payloads_sent = 0;
  std::uint64_t http_errors = 0;       // non-2xx answers, one per attempt
  std::uint64_t transport_errors = 0;  // no answer at all, one per attempt
  std::uint64_t bytes_sent = 0;        // request bodies the agent accepted
};

// The request headers, in the order they are sent, except X-Datadog-Trace-Count (which
// the exporter appends per payload). Exposed for tests.
std::vector<std::pair<std::string, std::string>> agent_request_headers(
    const std::optional<std::string>& container_id);

class AgentExporter : public Collector {
 public:
  AgentExporter(ExporterSettings settings, std::shared_ptr<HttpClient> client,
                std::shared_ptr<Logger> logger);
  ~AgentExporter() override;
  AgentExporter(const AgentExporter&) = delete;
  AgentExporter& operator=(const AgentExporter&) = delete;

  void send(const TraceChunk& chunk) override;
  bool flush(std::chrono::milliseconds timeout) override;

  ExporterStats stats() const;

 private:
  struct QueuedChunk;
  struct Counters {
    std::atomic<std::uint64_t> traces_enqueued{0};
    std::atomic<std::uint64_t> traces_dropped_queue_full{0};
    std::atomic<std::uint64_t> traces_sent{0};
    std::atomic<std::uint64_t> traces_dropped_send_failed{0};
    std::atomic<std::uint64_t> payloads_sent{0};
    std::atomic<std::uint64_t> http_errors{0};
    std::atomic<std::uint64_t> transport_errors{0};
    std::atomic<std::uint64_t> bytes_sent{0};
  };

  void run();
  void send_queued();
  bool send_payload(std::size_t trace_count);
  void handle_agent_response(const std::string& body);
  void report_queue_drops();
  void log_failure(const std::string& cause, const std::string& message);
  std::chrono::milliseconds attempt_timeout() const;
  static void release(QueuedChunk* node);

  const ExporterSettings settings_;
  const EncodeContext context_;
  const std::shared_ptr<HttpClient> client_;
  const std::shared_ptr<Logger> logger_;

  // The queue: a Treiber stack of encoded chunks that request threads push onto and
  // the flush thread empties in one exchange. `queued_bytes_` counts what is queued or
  // being sent, so the bound holds while the agent is slow.
  std::atomic<QueuedChunk*> head_{nullptr};
  std::atomic<std::size_t> queued_bytes_{0};
  Counters counters_;

  // Between flush() callers and the flush thread only; send() never touches these.
  std::mutex mutex_;
  std::condition_variable wake_;       // flush thread waits: interval, flush(), stop
  std::condition_variable done_;       // flush() callers wait for their cycle
  std::uint64_t flush_requested_ = 0;  // tickets handed out by flush()
  std::uint64_t flush_completed_ = 0;  // highest ticket whose cycle finished
  bool stop_ = false;
  // Steady-clock deadline of the shutdown (0: none); caps request timeouts and backoff.
  std::atomic<std::int64_t> shutdown_deadline_ns_{0};

  // Flush thread state.
  HttpRequest request_;
  std::size_t trace_count_header_ = 0;
  std::vector<QueuedChunk*> batch_;
  LogLimiter log_limiter_;
  std::uint64_t queue_drops_reported_ = 0;

  std::thread thread_;
};

}  // namespace gatetrace
