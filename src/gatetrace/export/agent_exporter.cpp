#include "gatetrace/export/agent_exporter.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "gatetrace/export/container_id.h"
#include "gatetrace/export/msgpack_writer.h"
#include "gatetrace/export/payload.h"

namespace gatetrace {
namespace {

#define GATETRACE_STRINGIFY_IMPL(x) #x
#define GATETRACE_STRINGIFY(x) GATETRACE_STRINGIFY_IMPL(x)

constexpr const char* kTracesPath = "/v0.4/traces";
// A payload is tried at most this many times when the failure may be transient.
constexpr int kMaxAttempts = 3;
constexpr std::chrono::milliseconds kFirstBackoff{100};
// A thread-local encoding buffer that grew past this (one huge trace) is given back.
constexpr std::size_t kMaxRetainedBuffer = 1u << 20;

std::string lang_version() {
  // 201703L -> "17", 202002L -> "20": the standard the library was compiled with.
  return std::to_string((__cplusplus / 100) % 100);
}

const char* compiler() {
#if defined(__clang__)
  return "clang-" GATETRACE_STRINGIFY(__clang_major__) "." GATETRACE_STRINGIFY(
      __clang_minor__) "." GATETRACE_STRINGIFY(__clang_patchlevel__);
#elif defined(__GNUC__)
  return "gcc-" GATETRACE_STRINGIFY(__GNUC__) "." GATETRACE_STRINGIFY(
      __GNUC_MINOR__) "." GATETRACE_STRINGIFY(__GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

// 408 and 429 say "try later"; 5xx may be a restarting agent. 400 and 413 would fail
// the same way again.
bool is_retryable(int status) { return status == 408 || status == 429 || status >= 500; }

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// One encoded chunk, allocated together with its bytes (one allocation per chunk).
struct AgentExporter::QueuedChunk {
  QueuedChunk* next = nullptr;
  std::size_t size = 0;

  char* data() { return reinterpret_cast<char*>(this + 1); }
  std::string_view bytes() { return {data(), size}; }
  // What the chunk costs against the buffer bound.
  std::size_t footprint() const { return sizeof(QueuedChunk) + size; }

  static QueuedChunk* create(std::string_view bytes) {
    void* memory = ::operator new(sizeof(QueuedChunk) + bytes.size());
    auto* node = new (memory) QueuedChunk;
    node->size = bytes.size();
    std::memcpy(node->data(), bytes.data(), bytes.size());
    return node;
  }
};

void AgentExporter::release(QueuedChunk* node) {
  node->~QueuedChunk();
  ::operator delete(node);
}

std::vector<std::pair<std::string, std::string>> agent_request_headers(
    const std::optional<std::string>& container_id) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/msgpack"},
      {"Datadog-Meta-Lang", "cpp"},
      {"Datadog-Meta-Lang-Version", lang_version()},
      {"Datadog-Meta-Lang-Interpreter", compiler()},
      {"Datadog-Meta-Tracer-Version", GATETRACE_VERSION_STRING},
      {"Datadog-Send-Real-Http-Status", "true"},
  };
  if (container_id) {
    headers.emplace_back("Datadog-Container-ID", *container_id);
    headers.emplace_back("Datadog-Entity-ID", "ci-" + *container_id);
  }
  return headers;
}

AgentExporter::AgentExporter(ExporterSettings settings, std::shared_ptr<HttpClient> client,
                             std::shared_ptr<Logger> logger)
    : settings_(std::move(settings)),
      context_{settings_.default_service, settings_.runtime_id, settings_.process_id},
      client_(std::move(client)),
      logger_(logger ? std::move(logger) : default_logger()) {
  std::optional<std::string> container_id;
  if (!settings_.cgroup_path.empty()) {
    container_id = read_container_id(settings_.cgroup_path.c_str());
  }
  request_.method = "PUT";
  request_.path = kTracesPath;
  request_.headers = agent_request_headers(container_id);
  trace_count_header_ = request_.headers.size();
  request_.headers.emplace_back("X-Datadog-Trace-Count", "0");
  if (settings_.debug) {
    logger_->log(LogLevel::kDebug,
                 "agent exporter started; container id: " + container_id.value_or("(none)"));
  }
  thread_ = std::thread([this] { run(); });
}

AgentExporter::~AgentExporter() {
  const auto timeout = settings_.shutdown_timeout;
  shutdown_deadline_ns_.store(
      steady_now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count(),
      std::memory_order_relaxed);
  const bool delivered = flush(timeout);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  // What the thread could not take before stopping is dropped, and counted.
  std::uint64_t abandoned = 0;
  for (QueuedChunk* node = head_.exchange(nullptr); node != nullptr;) {
    QueuedChunk* next = node->next;
    release(node);
    ++abandoned;
    node = next;
  }
  counters_.traces_dropped_send_failed.fetch_add(abandoned, std::memory_order_relaxed);
  if (!delivered || abandoned != 0) {
    logger_->log(LogLevel::kWarning, "agent exporter: shutdown timeout reached; " +
                                         std::to_string(abandoned) +
                                         " queued traces were not sent");
  }
}

void AgentExporter::send(const TraceChunk& chunk) {
  if (chunk.spans.empty()) return;
  thread_local std::string buffer;
  buffer.clear();
  encode_chunk(buffer, chunk, context_);

  const std::size_t cost = sizeof(QueuedChunk) + buffer.size();
  std::size_t queued = queued_bytes_.load(std::memory_order_relaxed);
  bool reserved = false;
  while (queued + cost <= settings_.buffer_size_bytes) {
    if (queued_bytes_.compare_exchange_weak(queued, queued + cost, std::memory_order_relaxed)) {
      reserved = true;
      break;
    }
  }
  if (reserved) {
    QueuedChunk* node = QueuedChunk::create(buffer);
    node->next = head_.load(std::memory_order_relaxed);
    while (!head_.compare_exchange_weak(node->next, node, std::memory_order_release,
                                        std::memory_order_relaxed)) {
    }
    counters_.traces_enqueued.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters_.traces_dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
  }
  if (buffer.capacity() > kMaxRetainedBuffer) std::string().swap(buffer);
}

bool AgentExporter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stop_) return head_.load() == nullptr;
  const std::uint64_t ticket = ++flush_requested_;
  wake_.notify_all();
  return done_.wait_for(lock, timeout, [&] { return flush_completed_ >= ticket; });
}

ExporterStats AgentExporter::stats() const {
  ExporterStats stats;
  stats.traces_enqueued = counters_.traces_enqueued.load(std::memory_order_relaxed);
  stats.traces_dropped_queue_full =
      counters_.traces_dropped_queue_full.load(std::memory_order_relaxed);
  stats.traces_sent = counters_.traces_sent.load(std::memory_order_relaxed);
  stats.traces_dropped_send_failed =
      counters_.traces_dropped_send_failed.load(std::memory_order_relaxed);
  stats.payloads_sent = counters_.payloads_sent.load(std::memory_order_relaxed);
  stats.http_errors = counters_.http_errors.load(std::memory_order_relaxed);
  stats.transport_errors = counters_.transport_errors.load(std::memory_order_relaxed);
  stats.bytes_sent = counters_.bytes_sent.load(std::memory_order_relaxed);
  return stats;
}

void AgentExporter::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  auto next_tick = std::chrono::steady_clock::now() + settings_.flush_interval;
  while (true) {
    wake_.wait_until(lock, next_tick, [&] { return stop_ || flush_requested_ > flush_completed_; });
    if (stop_) break;
    const std::uint64_t ticket = flush_requested_;
    lock.unlock();
    send_queued();
    report_queue_drops();
    lock.lock();
    flush_completed_ = ticket;
    done_.notify_all();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_tick) next_tick = now + settings_.flush_interval;
  }
}

void AgentExporter::send_queued() {
  QueuedChunk* node = head_.exchange(nullptr, std::memory_order_acquire);
  if (node == nullptr) return;
  // The stack holds the newest first; send in arrival order.
  batch_.clear();
  for (; node != nullptr; node = node->next) batch_.push_back(node);
  std::reverse(batch_.begin(), batch_.end());

  std::vector<std::size_t> sizes;
  sizes.reserve(batch_.size());
  for (const QueuedChunk* queued : batch_) sizes.push_back(queued->size);
  std::size_t begin = 0;
  for (const std::size_t count : split_payloads(sizes, settings_.max_payload_size_bytes)) {
    const std::size_t end = begin + count;
    std::size_t bytes = 0;
    for (std::size_t i = begin; i < end; ++i) bytes += batch_[i]->size;
    request_.body.clear();
    {
      MsgpackWriter writer(request_.body);
      writer.reserve(bytes + 5);
      writer.write_array_header(static_cast<std::uint32_t>(count));
      for (std::size_t i = begin; i < end; ++i) writer.write_raw(batch_[i]->bytes());
    }
    send_payload(count);
    std::size_t footprint = 0;
    for (std::size_t i = begin; i < end; ++i) {
      footprint += batch_[i]->footprint();
      release(batch_[i]);
    }
    queued_bytes_.fetch_sub(footprint, std::memory_order_relaxed);
    begin = end;
  }
  batch_.clear();
  // A burst can leave a payload-sized body behind; keep at most one payload's worth.
  if (request_.body.capacity() > settings_.max_payload_size_bytes + 64) {
    std::string().swap(request_.body);
  }
}

std::chrono::milliseconds AgentExporter::attempt_timeout() const {
  const std::int64_t deadline = shutdown_deadline_ns_.load(std::memory_order_relaxed);
  if (deadline == 0) return settings_.request_timeout;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::nanoseconds(deadline - steady_now_ns()));
  return std::min(settings_.request_timeout, left);
}

bool AgentExporter::send_payload(std::size_t trace_count) {
  request_.headers[trace_count_header_].second = std::to_string(trace_count);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt != 0) {
      // Back off before retrying; a shutdown cuts the wait short.
      const auto backoff = kFirstBackoff * (1 << (attempt - 1));
      std::unique_lock<std::mutex> lock(mutex_);
      if (wake_.wait_for(lock, backoff, [&] { return stop_; })) break;
    }
    const auto timeout = attempt_timeout();
    if (timeout.count() <= 0) break;

    auto result = client_->send(request_, timeout);
    if (!result) {
      counters_.transport_errors.fetch_add(1, std::memory_order_relaxed);
      log_failure("transport", "cannot reach the agent: " + result.error().message);
      continue;
    }
    const int status = result->status;
    if (status >= 200 && status < 300) {
      counters_.payloads_sent.fetch_add(1, std::memory_order_relaxed);
      counters_.traces_sent.fetch_add(trace_count, std::memory_order_relaxed);
      counters_.bytes_sent.fetch_add(request_.body.size(), std::memory_order_relaxed);
      if (settings_.debug) {
        logger_->log(LogLevel::kDebug, "sent " + std::to_string(trace_count) + " traces (" +
                                           std::to_string(request_.body.size()) +
                                           " bytes) to the agent");
      }
      if (status == 200) handle_agent_response(result->body);
      return true;
    }
    counters_.http_errors.fetch_add(1, std::memory_order_relaxed);
    std::string snippet = result->body.substr(0, 200);
    log_failure("http " + std::to_string(status), "the agent answered " + std::to_string(status) +
                                                      " to " + std::to_string(trace_count) +
                                                      " traces: " + snippet);
    if (!is_retryable(status)) break;
  }
  counters_.traces_dropped_send_failed.fetch_add(trace_count, std::memory_order_relaxed);
  return false;
}

void AgentExporter::handle_agent_response(const std::string& body) {
  if (!settings_.on_agent_rates) return;
  // An agent's garbage must never disturb the thread: parse without exceptions, and
  // catch anything the library throws regardless.
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  } catch (const std::exception&) {
    json = nlohmann::json(nlohmann::json::value_t::discarded);
  }
  if (json.is_discarded() || !json.is_object()) {
    log_failure("response",
                "ignoring an agent response that is not a JSON object: " + body.substr(0, 200));
    return;
  }
  const auto rates = json.find("rate_by_service");
  if (rates == json.end()) return;
  if (!rates->is_object()) {
    log_failure("response", "ignoring a rate_by_service that is not an object");
    return;
  }
  std::unordered_map<std::string, double> result;
  for (auto it = rates->begin(); it != rates->end(); ++it) {
    if (!it.value().is_number()) {
      log_failure("response", "ignoring a non-numeric rate for " + it.key());
      continue;
    }
    const double rate = it.value().get<double>();
    if (!(rate >= 0.0 && rate <= 1.0)) {
      log_failure("response", "ignoring an out-of-range rate for " + it.key());
      continue;
    }
    result.emplace(it.key(), rate);
  }
  settings_.on_agent_rates(result);
}

void AgentExporter::report_queue_drops() {
  const std::uint64_t dropped = counters_.traces_dropped_queue_full.load(std::memory_order_relaxed);
  if (dropped == queue_drops_reported_) return;
  std::uint64_t suppressed = 0;
  if (!log_limiter_.allow("queue full", LogLimiter::Clock::now(), &suppressed)) return;
  logger_->log(LogLevel::kWarning,
               "agent exporter: buffer of " + std::to_string(settings_.buffer_size_bytes) +
                   " bytes full; " + std::to_string(dropped - queue_drops_reported_) +
                   " traces dropped");
  queue_drops_reported_ = dropped;
}

void AgentExporter::log_failure(const std::string& cause, const std::string& message) {
  std::uint64_t suppressed = 0;
  if (!log_limiter_.allow(cause, LogLimiter::Clock::now(), &suppressed)) return;
  std::string line = "agent exporter: " + message;
  if (suppressed != 0) {
    line += " (" + std::to_string(suppressed) + " similar messages suppressed)";
  }
  logger_->log(LogLevel::kError, line);
}

}  // namespace gatetrace
