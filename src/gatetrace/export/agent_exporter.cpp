#include "gatetrace/export/agent_exporter.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "gatetrace/export/byte_buffer.h"
#include "gatetrace/export/container_id.h"
#include "gatetrace/export/msgpack_writer.h"
#include "gatetrace/export/payload.h"

namespace gatetrace {
namespace {

#define GATETRACE_STRINGIFY_IMPL(x) #x
#define GATETRACE_STRINGIFY(x) GATETRACE_STRINGIFY_IMPL(x)

constexpr const char* kTracesPath = "/v0.4/traces";
// How much nicer than the application the flush thread runs (see
// lower_flush_thread_priority), within Linux's range.
constexpr int kFlushThreadNiceIncrement = 5;
constexpr int kMaxNice = 19;
// A payload is tried at most this many times when the failure may be transient.
constexpr int kMaxAttempts = 3;
constexpr std::chrono::milliseconds kFirstBackoff{100};
// Blocks are a sixteenth of the buffer bound, within these limits: large enough that a
// thread queues one block per ~20 typical traces, below glibc's default mmap threshold
// (128 KiB) so that a new block comes from the heap, and small enough that a bound
// shared by many threads is not all held in partly filled blocks.
constexpr std::size_t kMaxBlockBytes = 112u << 10;
constexpr std::size_t kMinBlockBytes = 4u << 10;
// What a trace costs against the bound besides its bytes: its end offset in the block
// and its share of the block's bookkeeping.
constexpr std::size_t kChunkBookkeeping = 16;

// The block's memory was last touched by the flush thread on the other core, a flush
// interval ago: asking for the lines the next trace is likely to fill (as many bytes as
// this one took) lets them arrive while the request thread creates its spans, rather
// than one miss at a time as the encoder writes them.
void prefetch_for_next_trace(const ExportBlock& block, std::size_t bytes) {
  constexpr std::size_t kLine = 64;
  const char* next = block.bytes.data() + block.bytes.size();
  const char* end = next + std::min(bytes, block.bytes.capacity() - block.bytes.size());
  for (const char* line = next; line < end; line += kLine) __builtin_prefetch(line, 1, 3);
}

std::size_t block_bytes_for(std::size_t buffer_size_bytes) {
  return std::clamp<std::size_t>(buffer_size_bytes / 16, kMinBlockBytes, kMaxBlockBytes);
}

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

// A flush that timed out this recently before destruction was the owner's shutdown
// flush: its wait counts against the shutdown budget.
constexpr std::int64_t kShutdownFlushWindowNs = 100'000'000;

// Every live exporter, for the fork handlers. Never destroyed: a handler may run while
// static destructors do.
struct ForkRegistry {
  std::mutex mutex;
  std::vector<AgentExporter*> exporters;
  // What children abandoned (the parent's lock, thread handle, flush state): kept
  // reachable, never destroyed, since a dead thread may have left them mid-use.
  std::vector<const void*> abandoned;
};

ForkRegistry& fork_registry() {
  static auto* registry = new ForkRegistry;
  return *registry;
}

// Lowers the calling thread's (the flush thread's) scheduling priority, so that its
// bursts (copying a cycle's blocks into payloads, writing them to the agent's socket)
// yield to the application's request threads instead of delaying them: at nice 0 the
// thread wakes with the small virtual runtime of a sleeper, preempts a request thread and
// keeps the CPU for the whole burst. Linux schedules threads on their own: SCHED_BATCH
// stops the thread from preempting a running thread when it wakes up, and a nice value 5
// above the application's gives it a third of a default thread's share of a busy CPU.
// That share stays fair, so the buffer still drains while request threads saturate
// every CPU (it needs about 1% of the CPU of the requests whose traces it sends);
// SCHED_IDLE would not: it runs only on an otherwise idle CPU, and under saturation
// sent nothing for seconds while the buffer filled. Both calls only lower the
// priority, which needs no privilege; where a container or a seccomp profile forbids
// them, the thread keeps its priority and nothing else changes.
void lower_flush_thread_priority() {
#if defined(__linux__)
  const pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
  // A policy the application chose for its threads (idle, real-time) is left alone:
  // from SCHED_IDLE, SCHED_BATCH would even be a raise.
  const int policy = ::sched_getscheduler(tid);
  if (policy != SCHED_OTHER && policy != SCHED_BATCH) return;
  if (policy == SCHED_OTHER) {
    sched_param param{};
    param.sched_priority = 0;
    ::sched_setscheduler(tid, SCHED_BATCH, &param);
  }
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (errno != 0) return;
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(tid),
                std::min(kMaxNice, nice + kFlushThreadNiceIncrement));
#endif
}

}  // namespace

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
      runtime_id_(settings_.runtime_id),
      context_{settings_.default_service, runtime_id_, settings_.process_id},
      logger_(logger ? std::move(logger) : default_logger()),
      slots_(std::make_shared<ExportSlotRegistry>()),
      pool_(std::make_unique<ExportBlockPool>(block_bytes_for(settings_.buffer_size_bytes),
                                              settings_.buffer_size_bytes)),
      credit_step_(pool_->block_capacity() / 8),
      min_room_(pool_->block_capacity() / 8),
      early_flush_bytes_(std::min(settings_.early_flush_bytes, settings_.buffer_size_bytes / 2)),
      sync_(std::make_unique<Sync>()),
      flush_(std::make_unique<FlushState>()) {
  if (!settings_.cgroup_path.empty()) {
    container_id_ = read_container_id(settings_.cgroup_path.c_str());
  }
  flush_->client = std::move(client);
  flush_->request.method = "PUT";
  flush_->request.path = kTracesPath;
  flush_->request.headers = agent_request_headers(container_id_);
  flush_->trace_count_header = flush_->request.headers.size();
  flush_->request.headers.emplace_back("X-Datadog-Trace-Count", "0");
  if (settings_.debug) {
    logger_->log(LogLevel::kDebug,
                 "agent exporter started; container id: " + container_id_.value_or("(none)"));
  }
  register_fork_handlers(this);
  ensure_thread();
}

AgentExporter::~AgentExporter() {
  unregister_fork_handlers(this);
  // The budget, less what a shutdown flush that just timed out already waited.
  const std::int64_t now = steady_now_ns();
  std::int64_t budget =
      std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.shutdown_timeout).count();
  const std::int64_t timed_out_end = timed_out_flush_end_ns_.load(std::memory_order_relaxed);
  if (timed_out_end != 0 && now - timed_out_end < kShutdownFlushWindowNs) {
    budget = std::max<std::int64_t>(
        0, budget - timed_out_flush_waited_ns_.load(std::memory_order_relaxed));
  }
  shutdown_deadline_ns_.store(now + budget, std::memory_order_relaxed);
  const bool delivered = flush(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(budget)));
  {
    std::lock_guard<std::mutex> lock(sync_->mutex);
    sync_->stop = true;
  }
  sync_->wake.notify_all();
  if (thread_) thread_->join();
  // What the thread could not take before stopping is dropped, and counted.
  std::uint64_t abandoned = 0;
  std::vector<ExportBlock*> blocks;
  take_blocks(blocks);
  for (ExportBlock* block : blocks) {
    abandoned += block->chunk_count();
    recycle(block);
  }
  // Threads that outlive the exporter let go of the registry when they next look.
  slots_->retire();
  counters_.traces_dropped_send_failed.fetch_add(abandoned, std::memory_order_relaxed);
  if (!delivered || abandoned != 0) {
    logger_->log(LogLevel::kWarning, "agent exporter: shutdown timeout reached; " +
                                         std::to_string(abandoned) +
                                         " queued traces were not sent");
  }
}

void AgentExporter::ensure_thread() {
  std::lock_guard<std::mutex> lock(sync_->mutex);
  if (thread_ || sync_->stop) return;
  thread_ = std::make_unique<std::thread>([this] { run(); });
  thread_started_.store(true, std::memory_order_release);
}

void AgentExporter::send(const TraceChunk& chunk) {
  if (chunk.spans.empty()) return;
  const ExportSlotLease lease = slots_->this_thread_slot();
  ExportSlot& slot = lease.slot();
  // The block is this thread's until stored back: the flush thread waits out kBusy.
  ExportBlock* block = slot.current.exchange(ExportSlot::kBusy, std::memory_order_acquire);
  if (block == nullptr) block = pool_->take();

  const std::size_t before = block->bytes.size();
  encode_chunk(block->bytes, chunk, context_);
  const std::size_t cost = block->bytes.size() - before + kChunkBookkeeping;
  if (block->used + cost <= block->credit || reserve_credit(*block, cost)) {
    block->used += cost;
    block->ends.push_back(block->bytes.size());
    ExportSlot::bump(slot.enqueued);
  } else {
    block->bytes.set_size(before);
    ExportSlot::bump(slot.dropped);
  }

  // A nearly full block (or one a large trace made grow) goes to the flush thread; an
  // empty one never stays in the slot.
  const ByteBuffer& bytes = block->bytes;
  if (block->chunk_count() == 0) {
    recycle(block);
    block = nullptr;
  } else if (bytes.capacity() - bytes.size() < min_room_ ||
             bytes.capacity() > pool_->block_capacity()) {
    push_full(block);
    block = nullptr;
  } else {
    prefetch_for_next_trace(*block, cost);
  }
  slot.current.store(block, std::memory_order_release);
  // Only false in a forked child that has not sent yet.
  if (!thread_started_.load(std::memory_order_relaxed)) ensure_thread();
}

bool AgentExporter::reserve_credit(ExportBlock& block, std::size_t cost) {
  const std::size_t need = block.used + cost - block.credit;
  const std::size_t bound = settings_.buffer_size_bytes;
  std::size_t queued = queued_bytes_.load(std::memory_order_relaxed);
  while (true) {
    const std::size_t room = queued < bound ? bound - queued : 0;
    if (room < need) return false;
    // A step ahead, so that the shared counter is touched once per few traces.
    const std::size_t take = std::min(room, std::max(need, credit_step_));
    if (queued_bytes_.compare_exchange_weak(queued, queued + take, std::memory_order_relaxed)) {
      block.credit += take;
      return true;
    }
  }
}

void AgentExporter::push_full(ExportBlock* block) {
  block->next = full_.load(std::memory_order_relaxed);
  while (!full_.compare_exchange_weak(block->next, block, std::memory_order_release,
                                      std::memory_order_relaxed)) {
  }
  wake_early_if_due();
}

void AgentExporter::wake_early_if_due() {
  // Checked once per full block (every ~20 traces), and the lock taken once per crossing.
  if (early_flush_bytes_ == 0 ||
      queued_bytes_.load(std::memory_order_relaxed) < early_flush_bytes_ ||
      early_flush_pending_.exchange(true, std::memory_order_relaxed)) {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(sync_->mutex);
    sync_->early_flush = true;
  }
  sync_->wake.notify_all();
}

void AgentExporter::recycle(ExportBlock* block) {
  if (block->credit != 0) queued_bytes_.fetch_sub(block->credit, std::memory_order_relaxed);
  pool_->give(block);
}

void AgentExporter::take_blocks(std::vector<ExportBlock*>& out) {
  // The stack holds the newest first; keep arrival order. A thread's partly filled
  // block is newer than its full ones.
  const std::size_t first = out.size();
  for (ExportBlock* block = full_.exchange(nullptr, std::memory_order_acquire); block != nullptr;
       block = block->next) {
    out.push_back(block);
  }
  std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  slots_->take_partial_blocks(out);
}

bool AgentExporter::flush(std::chrono::milliseconds timeout) {
  if (!thread_started_.load(std::memory_order_acquire)) ensure_thread();
  Sync& sync = *sync_;
  std::unique_lock<std::mutex> lock(sync.mutex);
  if (sync.stop) return full_.load() == nullptr && !slots_->has_partial_blocks();
  const std::uint64_t ticket = ++sync.flush_requested;
  sync.wake.notify_all();
  const std::int64_t start = steady_now_ns();
  if (sync.done.wait_for(lock, timeout, [&] { return sync.flush_completed >= ticket; })) {
    return true;
  }
  const std::int64_t end = steady_now_ns();
  timed_out_flush_waited_ns_.store(end - start, std::memory_order_relaxed);
  timed_out_flush_end_ns_.store(end, std::memory_order_relaxed);
  return false;
}

ExporterStats AgentExporter::stats() const {
  ExporterStats stats;
  stats.traces_enqueued = slots_->enqueued();
  stats.traces_dropped_queue_full = slots_->dropped();
  stats.traces_sent = counters_.traces_sent.load(std::memory_order_relaxed);
  stats.traces_dropped_send_failed =
      counters_.traces_dropped_send_failed.load(std::memory_order_relaxed);
  stats.payloads_sent = counters_.payloads_sent.load(std::memory_order_relaxed);
  stats.http_errors = counters_.http_errors.load(std::memory_order_relaxed);
  stats.transport_errors = counters_.transport_errors.load(std::memory_order_relaxed);
  stats.bytes_sent = counters_.bytes_sent.load(std::memory_order_relaxed);
  stats.payloads_split = counters_.payloads_split.load(std::memory_order_relaxed);
  return stats;
}

void AgentExporter::run() {
#if defined(__linux__)
  // Named for operators (`top -H`, `ps -L`); at most 15 characters.
  ::pthread_setname_np(::pthread_self(), "gatetrace-flush");
#endif
  lower_flush_thread_priority();
  Sync& sync = *sync_;
  std::unique_lock<std::mutex> lock(sync.mutex);
  auto next_tick = std::chrono::steady_clock::now() + settings_.flush_interval;
  while (true) {
    sync.wake.wait_until(lock, next_tick, [&] {
      return sync.stop || sync.early_flush || sync.flush_requested > sync.flush_completed;
    });
    if (sync.stop) break;
    const std::uint64_t ticket = sync.flush_requested;
    sync.early_flush = false;
    lock.unlock();
    send_queued();
    // Cleared after the cycle's blocks went back to the pool (their bytes stay counted
    // while they are sent): a crossing during the send would otherwise start another
    // cycle for the few blocks queued meanwhile.
    early_flush_pending_.store(false, std::memory_order_relaxed);
    report_queue_drops();
    lock.lock();
    sync.flush_completed = ticket;
    sync.done.notify_all();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_tick) next_tick = now + settings_.flush_interval;
  }
}

void AgentExporter::send_queued() {
  FlushState& state = *flush_;
  std::vector<ExportBlock*>& blocks = state.blocks;
  blocks.clear();
  take_blocks(blocks);
  if (blocks.empty()) return;
  std::vector<std::string_view>& chunks = state.chunks;
  std::vector<std::size_t>& sizes = state.sizes;
  chunks.clear();
  sizes.clear();
  for (const ExportBlock* block : blocks) {
    for (std::size_t i = 0; i < block->chunk_count(); ++i) {
      chunks.push_back(block->chunk(i));
      sizes.push_back(chunks.back().size());
    }
  }

  // Each block goes back as soon as the payloads holding its last trace are sent, so
  // that the bound frees up while a long flush goes on.
  std::size_t begin = 0;
  std::size_t next_block = 0;
  std::size_t next_block_end = blocks[0]->chunk_count();
  for (const std::size_t count : split_payloads(sizes, settings_.max_payload_size_bytes)) {
    const std::size_t end = begin + count;
    send_range(begin, end);
    while (next_block < blocks.size() && next_block_end <= end) {
      recycle(blocks[next_block]);
      if (++next_block < blocks.size()) next_block_end += blocks[next_block]->chunk_count();
    }
    begin = end;
  }
  blocks.clear();
  chunks.clear();
  // A burst can leave a payload-sized body behind; keep at most one payload's worth.
  if (state.request.body.capacity() > settings_.max_payload_size_bytes + 64) {
    std::string().swap(state.request.body);
  }
}

void AgentExporter::send_range(std::size_t begin, std::size_t end) {
  FlushState& state = *flush_;
  const std::size_t count = end - begin;
  std::size_t bytes = 0;
  for (std::size_t i = begin; i < end; ++i) bytes += state.sizes[i];
  // Appends into reserved capacity: a MsgpackWriter over the string would zero-fill the
  // whole body before copying the chunks over it.
  std::string& body = state.request.body;
  body.clear();
  const std::size_t needed = bytes + MsgpackWriter::kMaxContainerHeader;
  if (body.capacity() < needed) {
    // Grown once to a whole payload's room rather than step by step: the string's own
    // growth doubles, so a body grown by a slightly larger payload could reach twice the
    // limit, be dropped below, and be made again later, leaving the process's resident
    // memory a payload higher or lower depending on the order payload sizes came in.
    // Pages of the room that no payload has written are not resident.
    body.reserve(
        std::max(needed, settings_.max_payload_size_bytes + MsgpackWriter::kMaxContainerHeader));
  }
  char header[MsgpackWriter::kMaxContainerHeader];
  const char* header_end =
      MsgpackWriter::put_array_header(header, static_cast<std::uint32_t>(count));
  body.append(header, static_cast<std::size_t>(header_end - header));
  for (std::size_t i = begin; i < end; ++i) {
    const std::string_view chunk = state.chunks[i];
    body.append(chunk.data(), chunk.size());
  }
  if (send_payload(count) != SendResult::kTooLarge) return;
  if (count == 1) {
    // One trace the agent refuses on its own: nothing smaller to try.
    counters_.traces_dropped_send_failed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // The agent's limit is lower than ours: halve until each part fits. At most
  // log2(count) levels deep, and every trace is sent or counted exactly once.
  counters_.payloads_split.fetch_add(1, std::memory_order_relaxed);
  const std::size_t middle = begin + count / 2;
  send_range(begin, middle);
  send_range(middle, end);
}

std::chrono::milliseconds AgentExporter::attempt_timeout() const {
  const std::int64_t deadline = shutdown_deadline_ns_.load(std::memory_order_relaxed);
  if (deadline == 0) return settings_.request_timeout;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::nanoseconds(deadline - steady_now_ns()));
  return std::min(settings_.request_timeout, left);
}

AgentExporter::SendResult AgentExporter::send_payload(std::size_t trace_count) {
  FlushState& state = *flush_;
  HttpRequest& request = state.request;
  request.headers[state.trace_count_header].second = std::to_string(trace_count);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt != 0) {
      // Back off before retrying; a shutdown cuts the wait short.
      const auto backoff = kFirstBackoff * (1 << (attempt - 1));
      std::unique_lock<std::mutex> lock(sync_->mutex);
      if (sync_->wake.wait_for(lock, backoff, [&] { return sync_->stop; })) break;
    }
    const auto timeout = attempt_timeout();
    if (timeout.count() <= 0) break;

    auto result = state.client->send(request, timeout);
    if (!result) {
      counters_.transport_errors.fetch_add(1, std::memory_order_relaxed);
      log_failure("transport", "cannot reach the agent: " + result.error().message);
      continue;
    }
    const int status = result->status;
    if (status >= 200 && status < 300) {
      counters_.payloads_sent.fetch_add(1, std::memory_order_relaxed);
      counters_.traces_sent.fetch_add(trace_count, std::memory_order_relaxed);
      counters_.bytes_sent.fetch_add(request.body.size(), std::memory_order_relaxed);
      if (settings_.debug) {
        logger_->log(LogLevel::kDebug, "sent " + std::to_string(trace_count) + " traces (" +
                                           std::to_string(request.body.size()) +
                                           " bytes) to the agent");
      }
      if (status == 200) handle_agent_response(result->body);
      return SendResult::kSent;
    }
    counters_.http_errors.fetch_add(1, std::memory_order_relaxed);
    std::string snippet = result->body.substr(0, 200);
    log_failure("http " + std::to_string(status),
                "the agent answered " + std::to_string(status) + " to " +
                    std::to_string(trace_count) + " traces (" +
                    std::to_string(request.body.size()) + " bytes): " + snippet);
    // The caller splits (and counts a lone trace's drop).
    if (status == 413) return SendResult::kTooLarge;
    if (!is_retryable(status)) break;
  }
  counters_.traces_dropped_send_failed.fetch_add(trace_count, std::memory_order_relaxed);
  return SendResult::kFailed;
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
  // fork() waits for this lock: the callback takes the sampler's, which a child needs.
  std::lock_guard<std::mutex> lock(callback_mutex_);
  settings_.on_agent_rates(result);
}

void AgentExporter::report_queue_drops() {
  const std::uint64_t dropped = slots_->dropped();
  FlushState& state = *flush_;
  if (dropped == state.queue_drops_reported) return;
  std::uint64_t suppressed = 0;
  if (!state.log_limiter.allow("queue full", LogLimiter::Clock::now(), &suppressed)) return;
  logger_->log(LogLevel::kWarning,
               "agent exporter: buffer of " + std::to_string(settings_.buffer_size_bytes) +
                   " bytes full; " + std::to_string(dropped - state.queue_drops_reported) +
                   " traces dropped");
  state.queue_drops_reported = dropped;
}

void AgentExporter::log_failure(const std::string& cause, const std::string& message) {
  std::uint64_t suppressed = 0;
  if (!flush_->log_limiter.allow(cause, LogLimiter::Clock::now(), &suppressed)) return;
  std::string line = "agent exporter: " + message;
  if (suppressed != 0) {
    line += " (" + std::to_string(suppressed) + " similar messages suppressed)";
  }
  logger_->log(LogLevel::kError, line);
}

void AgentExporter::register_fork_handlers(AgentExporter* exporter) {
  static std::once_flag once;
  std::call_once(once, [] {
    ::pthread_atfork(&AgentExporter::before_fork, &AgentExporter::after_fork_in_parent,
                     &AgentExporter::after_fork_in_child);
  });
  ForkRegistry& registry = fork_registry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.exporters.push_back(exporter);
}

void AgentExporter::unregister_fork_handlers(AgentExporter* exporter) {
  ForkRegistry& registry = fork_registry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  auto& exporters = registry.exporters;
  exporters.erase(std::remove(exporters.begin(), exporters.end(), exporter), exporters.end());
}

// The forking thread takes every lock the child will need whole, in a fixed order
// (registry, then each exporter's callback lock), and releases them on both sides.
void AgentExporter::before_fork() {
  ForkRegistry& registry = fork_registry();
  registry.mutex.lock();
  for (AgentExporter* exporter : registry.exporters) exporter->callback_mutex_.lock();
}

void AgentExporter::after_fork_in_parent() {
  ForkRegistry& registry = fork_registry();
  for (AgentExporter* exporter : registry.exporters) exporter->callback_mutex_.unlock();
  registry.mutex.unlock();
}

void AgentExporter::after_fork_in_child() {
  ForkRegistry& registry = fork_registry();
  for (AgentExporter* exporter : registry.exporters) {
    exporter->callback_mutex_.unlock();
    exporter->reset_in_child();
  }
  registry.mutex.unlock();
}

// Runs in the child, on its only thread. The parent's flush thread does not exist here:
// what it was using (lock, condition variables, thread handle, request state, maybe the
// chunks of a payload in flight) is left as it was, unreleased, and replaced.
void AgentExporter::reset_in_child() {
  ForkRegistry& registry = fork_registry();
  std::shared_ptr<HttpClient> client =
      settings_.client_factory ? settings_.client_factory() : flush_->client;
  registry.abandoned.push_back(sync_.release());
  registry.abandoned.push_back(thread_.release());
  registry.abandoned.push_back(flush_.release());
  sync_ = std::make_unique<Sync>();
  thread_started_.store(false, std::memory_order_relaxed);

  flush_ = std::make_unique<FlushState>();
  flush_->client = std::move(client);
  flush_->request.method = "PUT";
  flush_->request.path = kTracesPath;
  flush_->request.headers = agent_request_headers(container_id_);
  flush_->trace_count_header = flush_->request.headers.size();
  flush_->request.headers.emplace_back("X-Datadog-Trace-Count", "0");

  // The parent sends what it queued; the child starts empty, with its own counts. The
  // parent's blocks, slots and pool are abandoned: a thread that does not exist here may
  // have been appending to a block, or taking one from the pool under its lock.
  registry.abandoned.push_back(new std::shared_ptr<ExportSlotRegistry>(std::move(slots_)));
  registry.abandoned.push_back(pool_.release());
  registry.abandoned.push_back(full_.exchange(nullptr));
  slots_ = std::make_shared<ExportSlotRegistry>();
  pool_ = std::make_unique<ExportBlockPool>(block_bytes_for(settings_.buffer_size_bytes),
                                            settings_.buffer_size_bytes);
  queued_bytes_.store(0, std::memory_order_relaxed);
  early_flush_pending_.store(false, std::memory_order_relaxed);
  for (auto* counter :
       {&counters_.traces_sent, &counters_.traces_dropped_send_failed, &counters_.payloads_sent,
        &counters_.http_errors, &counters_.transport_errors, &counters_.bytes_sent,
        &counters_.payloads_split}) {
    counter->store(0, std::memory_order_relaxed);
  }
  shutdown_deadline_ns_.store(0, std::memory_order_relaxed);
  timed_out_flush_end_ns_.store(0, std::memory_order_relaxed);

  // The child is another process to the agent.
  if (settings_.new_runtime_id) runtime_id_ = settings_.new_runtime_id();
  context_.runtime_id = runtime_id_;
  if (settings_.process_id != 0) context_.process_id = static_cast<double>(::getpid());
}

}  // namespace gatetrace
