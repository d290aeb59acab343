// AgentExporter: the production `Collector`. Request threads hand it finished trace
// segments; it encodes each one to msgpack right there (the spans are then freed by the
// caller), onto the end of the thread's current block (export_block.h, export_slots.h);
// a nearly full block goes whole onto a lock-free stack. A single flush thread wakes
// every `flush_interval` (or when `flush()` asks, or when `early_flush_bytes` are
// queued), takes the full blocks and every
// thread's partly filled one, groups their traces into v0.4 payloads of at most
// `max_payload_size_bytes`, PUTs them to the agent's /v0.4/traces with the headers of
// spec/agent-protocol.md, and feeds the agent's `rate_by_service` answer back to the sampler
// through `on_agent_rates`.
//
// `send` never blocks and never does I/O: when the queue holds `buffer_size_bytes`, the
// chunk is dropped and counted (visible in `stats()`), so a slow or absent agent costs
// the application memory up to the bound and nothing else. (Blocks take their share of
// the bound in steps as traces fill them; besides the bound, each sending thread keeps
// one block of at most 112 KiB, and sent blocks are kept for reuse up to the bound.) Every trace is
// sent whatever its sampling priority: the agent needs all of them for its statistics.
//
// Transient failures (no answer, 408, 429, 5xx) are retried twice, after 100 and 200 ms;
// 400 is not retried; a 413 makes the exporter halve the payload and send the halves (a
// single trace the agent refuses alone is dropped). Every drop is counted in `stats()`,
// and failures are logged at most once per cause per minute.
//
// Destruction delivers what is queued, waiting at most `shutdown_timeout` (plus, at
// worst, the remainder of a request already in flight, itself bounded by
// `request_timeout`), then stops the thread. A flush that timed out just before (the
// Tracer's own shutdown flush) counts against that budget, so the two never add up.
//
// fork(): pthread_atfork handlers keep a child process able to trace. Before the fork
// they wait for the agent-rates callback to return (it takes the sampler's lock); in the
// child they abandon the parent's lock, wait state, flush-thread state and queue (the
// parent sends what it queued), take a new HTTP client from `client_factory` (the
// parent's connection must not be shared), a new runtime id and the child's pid, and the
// child's flush thread starts on its first send or flush.
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
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gatetrace/collector.h"
#include "gatetrace/export/export_block.h"
#include "gatetrace/export/export_slots.h"
#include "gatetrace/export/log_limiter.h"
#include "gatetrace/export/span_encoder.h"
#include "gatetrace/http_client.h"
#include "gatetrace/logger.h"

namespace gatetrace {

struct ExporterSettings {
  std::size_t buffer_size_bytes = 16u << 20;
  std::size_t max_payload_size_bytes = 4u << 20;
  std::chrono::milliseconds flush_interval{2000};
  // Queued bytes past which a request thread wakes the flush thread before its interval
  // (at most half the buffer): at high request rates the interval alone lets the buffer
  // fill and drop traces, and smaller payloads spread the flush thread's work. 0 turns
  // it off (tests that fill the buffer on purpose).
  std::size_t early_flush_bytes = 2u << 20;
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
  // After fork(), in the child: a fresh client for the child's own connection (unset:
  // keep using the given client), and a new runtime id (unset: keep it). The child's
  // process_id is its pid whenever `process_id` is not 0.
  std::function<std::shared_ptr<HttpClient>()> client_factory;
  std::function<std::string()> new_runtime_id;
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
  std::uint64_t payloads_split = 0;    // payloads halved after a 413
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
  // (Traces queued and dropped for a full queue are counted in the threads' slots.)
  struct Counters {
    std::atomic<std::uint64_t> traces_sent{0};
    std::atomic<std::uint64_t> traces_dropped_send_failed{0};
    std::atomic<std::uint64_t> payloads_sent{0};
    std::atomic<std::uint64_t> http_errors{0};
    std::atomic<std::uint64_t> transport_errors{0};
    std::atomic<std::uint64_t> bytes_sent{0};
    std::atomic<std::uint64_t> payloads_split{0};
  };
  // Between flush() callers and the flush thread only; send() never touches it (except
  // to start the thread once). On the heap so that a forked child can abandon it.
  struct Sync {
    std::mutex mutex;
    std::condition_variable wake;       // flush thread waits: interval, flush(), stop
    std::condition_variable done;       // flush() callers wait for their cycle
    std::uint64_t flush_requested = 0;  // tickets handed out by flush()
    std::uint64_t flush_completed = 0;  // highest ticket whose cycle finished
    bool early_flush = false;           // a request thread saw early_flush_bytes queued
    bool stop = false;
  };
  // The flush thread's own state, likewise replaced in a forked child.
  struct FlushState {
    std::shared_ptr<HttpClient> client;
    HttpRequest request;
    std::size_t trace_count_header = 0;
    std::vector<ExportBlock*> blocks;      // of the cycle, in order
    std::vector<std::string_view> chunks;  // their traces, in order
    std::vector<std::size_t> sizes;        // the traces' sizes
    LogLimiter log_limiter;
    std::uint64_t queue_drops_reported = 0;
  };
  enum class SendResult { kSent, kFailed, kTooLarge };

  void ensure_thread();
  void run();
  // Room in the bound for `cost` more bytes in `block`.
  bool reserve_credit(ExportBlock& block, std::size_t cost);
  void push_full(ExportBlock* block);
  // Wakes the flush thread once queued bytes pass early_flush_bytes_ (once per cycle).
  void wake_early_if_due();
  // Gives the block's share of the bound back and the block to the pool.
  void recycle(ExportBlock* block);
  // Takes the full blocks and the threads' partly filled ones into `out`, in order.
  void take_blocks(std::vector<ExportBlock*>& out);
  void send_queued();
  // Sends chunks[begin, end) as one payload; on a 413, halves it and sends the halves.
  void send_range(std::size_t begin, std::size_t end);
  SendResult send_payload(std::size_t trace_count);
  void handle_agent_response(const std::string& body);
  void report_queue_drops();
  void log_failure(const std::string& cause, const std::string& message);
  std::chrono::milliseconds attempt_timeout() const;

  // fork() support (see the comment at the top).
  static void register_fork_handlers(AgentExporter* exporter);
  static void unregister_fork_handlers(AgentExporter* exporter);
  static void before_fork();
  static void after_fork_in_parent();
  static void after_fork_in_child();
  void reset_in_child();

  const ExporterSettings settings_;
  std::string runtime_id_;
  EncodeContext context_;  // views into settings_ and runtime_id_
  const std::shared_ptr<Logger> logger_;
  std::optional<std::string> container_id_;

  // The queue: each thread's current block in `slots_`, and a Treiber stack of full
  // blocks that request threads push onto and the flush thread empties in one exchange.
  // `queued_bytes_` counts the blocks' credit (what is queued or being sent, taken in
  // steps of `credit_step_`), so the bound holds while the agent is slow.
  std::shared_ptr<ExportSlotRegistry> slots_;
  std::unique_ptr<ExportBlockPool> pool_;
  std::atomic<ExportBlock*> full_{nullptr};
  std::atomic<std::size_t> queued_bytes_{0};
  const std::size_t credit_step_;
  // A block with less room than this is full: the next trace could outgrow it.
  const std::size_t min_room_;
  // See ExporterSettings::early_flush_bytes (0: off). `early_flush_pending_` is set by the
  // request thread that asks and cleared by the flush thread once its cycle has taken
  // the blocks, so that one crossing costs one wake-up.
  const std::size_t early_flush_bytes_;
  std::atomic<bool> early_flush_pending_{false};
  Counters counters_;

  std::unique_ptr<Sync> sync_;
  std::unique_ptr<FlushState> flush_;
  // Steady-clock deadline of the shutdown (0: none); caps request timeouts and backoff.
  std::atomic<std::int64_t> shutdown_deadline_ns_{0};
  // When the last flush() that timed out ended, and how long it waited (steady ns).
  std::atomic<std::int64_t> timed_out_flush_end_ns_{0};
  std::atomic<std::int64_t> timed_out_flush_waited_ns_{0};
  // Held by the flush thread while `on_agent_rates` runs; fork() waits for it.
  std::mutex callback_mutex_;

  std::atomic<bool> thread_started_{false};
  std::unique_ptr<std::thread> thread_;
};

}  // namespace gatetrace
