#include "gatetrace/trace/trace_segment.h"

#include <cstring>
#include <mutex>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "gatetrace/span_keys.h"
#include "gatetrace/trace/span_pool.h"
#include "gatetrace/trace/tracer_core.h"

namespace gatetrace {

// Out of line, so that the usual span (no DD_TAGS, no tags in its SpanConfig) pays
// neither for the loops nor for the registers they save.
void set_listed_tags(SpanData& span, const FinalizedTracerConfig& defaults,
                     const SpanConfigTags* tags) {
  for (const auto& [key, value] : defaults.tags) span.meta.set(key, value);
  if (tags == nullptr) return;
  for (const auto& [key, value] : *tags) span.meta.set(key, value);
}

TraceSegment::TraceSegment() {
  spans_.reserve(16);  // one allocation for a typical trace, kept while pooled
}

void TraceSegment::take_extracted(ExtractedContext& extracted) {
  if (extracted.sampling_priority) {
    // Made in place (mechanism and rates at their defaults), not copied from a temporary.
    decision_.emplace().priority = *extracted.sampling_priority;
    decision_from_upstream_ = true;
  }
  // Each member is still empty: only what the request carried is moved (most requests
  // carry none of these), and an empty list would drop the kept capacity.
  if (!extracted.trace_tags.empty()) trace_tags_ = std::move(extracted.trace_tags);
  if (extracted.origin) origin_ = std::move(extracted.origin);
  if (extracted.additional_w3c_tracestate) {
    additional_w3c_tracestate_ = std::move(extracted.additional_w3c_tracestate);
  }
  if (extracted.additional_datadog_w3c_tracestate) {
    additional_datadog_w3c_tracestate_ = std::move(extracted.additional_datadog_w3c_tracestate);
  }
  if (extracted.datadog_last_parent_id) {
    datadog_last_parent_id_ = std::move(extracted.datadog_last_parent_id);
  }
  if (extracted.propagation_error) propagation_error_ = std::move(extracted.propagation_error);
  if (!extracted.span_links.empty()) links_ = std::move(extracted.span_links);
  if (!extracted.baggage.empty()) baggage_ = std::move(extracted.baggage);
}

void TraceSegment::end() {
  // Spans still listed (none once every handle is gone, as a delivery took them all)
  // and everything a trace sets go back to a new segment's state; the lists keep their
  // capacity, unless a huge trace left them large.
  for (SpanData* entry : spans_) release_span_data(Entry::span(entry));
  spans_.clear();
  finished_ = 0;
  handles_ = 0;
  trace_id_ = TraceId{};
  local_root_ = nullptr;
  root_delivered_ = false;
  refused_spans_ = false;
  decision_.reset();
  decision_from_upstream_ = false;
  trace_tags_.clear();
  origin_.reset();
  // Keeps a tracestate longer than its inline bytes in its string until the next one
  // replaces it: at most one header's worth per pooled segment.
  additional_w3c_tracestate_.reset();
  additional_datadog_w3c_tracestate_.reset();
  datadog_last_parent_id_.reset();
  propagation_error_.reset();
  links_.clear();
  baggage_.clear();
  TracerCore* const core = std::exchange(core_, nullptr);
  const unsigned shard = core_shard_;
  SegmentPool* pool = segment_pool();
  if (pool != nullptr && pool->segment_count < SegmentPool::kMaxSegments &&
      spans_.capacity() <= SegmentPool::kMaxPooledListCapacity &&
      trace_tags_.capacity() <= SegmentPool::kMaxPooledListCapacity) {
    pool->segments[pool->segment_count++] = this;
  } else {
    delete this;
  }
  // Last: the core may go with it.
  if (core->segment_refs.release(shard)) delete core;
}

namespace {

// The chunk deliver_finished() fills with the finished spans (or whose list it exchanges
// for a complete trace's) and hands to the collector, reused across deliveries on this
// thread (kept in the SegmentPool, which a thread's exiting destructors can still ask
// safely: a plain thread_local would be used after its destruction by a span finished
// then). Used in place, marked in use meanwhile, so that a collector that itself
// finishes spans (re-entering) gets a chunk of its own: `own`, as it does while the
// thread exits.
class ReadyChunk {
 public:
  explicit ReadyChunk(SegmentPool* pool)
      : pool_(pool != nullptr && !pool->spare_chunk_in_use ? pool : nullptr),
        chunk_(pool_ != nullptr ? pool_->spare_chunk : own_) {
    if (pool_ != nullptr) pool_->spare_chunk_in_use = true;
  }
  ReadyChunk(const ReadyChunk&) = delete;
  ReadyChunk& operator=(const ReadyChunk&) = delete;
  ~ReadyChunk() {
    if (pool_ == nullptr) return;
    // Emptied for the next delivery; one huge trace's capacity is let go.
    if (chunk_.spans.capacity() > SegmentPool::kMaxSpareCapacity) {
      std::vector<SpanData*>().swap(chunk_.spans);
    } else {
      chunk_.spans.clear();
    }
    pool_->spare_chunk_in_use = false;
  }
  TraceChunk& get() { return chunk_; }

 private:
  SegmentPool* const pool_;  // null: not this thread's chunk
  TraceChunk own_;
  TraceChunk& chunk_;
};

// The 16 lowercase hex digits of `value` (a trace id's high half, written on every
// 128-bit trace's first span), with no table and no loop.
#if defined(__SSE2__)
// All 16 at once: each byte's two nibbles spread to two bytes, then turned into digits
// together (about 15 instructions; the word-at-a-time version below takes about 55).
void hex16(std::uint64_t value, char* out) {
  // The most significant byte first, then each byte's high nibble before its low one.
  const __m128i bytes = _mm_cvtsi64_si128(static_cast<long long>(__builtin_bswap64(value)));
  const __m128i low_nibble = _mm_set1_epi8(0x0f);
  const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibble);
  const __m128i low = _mm_and_si128(bytes, low_nibble);
  const __m128i nibbles = _mm_unpacklo_epi8(high, low);
  // 'a'..'f' sit 39 past '9' + 1.
  const __m128i letters =
      _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8(39));
  const __m128i digits = _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letters);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), digits);
}
#else
// The 8 lowercase hex digits of `value` as the bytes of a word (the first digit in its
// lowest byte): each nibble spread to a byte of its own, then all turned into digits at
// once.
std::uint64_t hex8(std::uint32_t value) {
  std::uint64_t x = value;
  x = (x | (x << 16)) & 0x0000ffff0000ffffull;
  x = (x | (x << 8)) & 0x00ff00ff00ff00ffull;
  x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0full;  // nibble i in byte i
  // 1 in each byte holding 10..15 (adding 6 carries it into bit 4), whose digits
  // 'a'..'f' sit 39 past '9' + 1.
  const std::uint64_t letters = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
  x += 0x3030303030303030ull + letters * 39;
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the first digit in the low byte");
  return __builtin_bswap64(x);  // the most significant nibble's digit first
}

void hex16(std::uint64_t value, char* out) {
  const std::uint64_t high = hex8(static_cast<std::uint32_t>(value >> 32));
  const std::uint64_t low = hex8(static_cast<std::uint32_t>(value));
  std::memcpy(out, &high, sizeof high);
  std::memcpy(out + 8, &low, sizeof low);
}
#endif

}  // namespace

bool TraceSegment::mark_finished_locked(SpanData* span) {
  if (span == local_root_ && !spans_.empty() && spans_.front() == span) {
    // The local root, the first entry (add_span_locked), usually finishes last: found
    // at once rather than after a scan of every other span. (An open span's entry
    // carries no mark.)
    Entry::mark_finished(spans_.front());
    return true;
  }
  // From the newest: children usually finish before their parents.
  for (auto it = spans_.rbegin(); it != spans_.rend(); ++it) {
    if (*it == span) {
      Entry::mark_finished(*it);
      return true;
    }
  }
  return false;  // refused at the cap
}

void TraceSegment::span_finished(SpanData* span, bool release_handle) {
  // Waiting for the lock is a call of its own, so that this path makes no call but
  // tail calls (and so saves no registers).
  if (!lock_.try_lock()) return span_finished_contended(span, release_handle);
  // The usual span: no partial flush, no span refused at the cap (see below), and not
  // the last of its trace. It is counted and its handle given up in the same critical
  // section.
  if (!core_->config.partial_flush_enabled && !refused_spans_ && finished_ + 1 != spans_.size()) {
    ++finished_;
    const bool last = release_handle && --handles_ == 0;
    lock_.unlock();
    if (last) end();
    return;
  }
  span_finished_locked(span, release_handle);
}

[[gnu::noinline]] void TraceSegment::span_finished_contended(SpanData* span, bool release_handle) {
  lock_.lock();
  span_finished_locked(span, release_handle);
}

void TraceSegment::span_finished_locked(SpanData* span, bool release_handle) {
  // Held by hand, not by a guard: nothing below throws until a delivery, which takes the
  // lock over in a unique_lock (a unique_lock here cost its flag's stores and tests).
  // Which spans finished matters only to a partial flush (it sends those, keeping the
  // rest listed) and to a segment that refused spans at the cap (a refused span is not
  // listed). Otherwise every finishing span is a listed, unfinished one, and only a
  // complete trace is delivered (all of the list): counting it is enough.
  bool recorded = true;
  if (core_->config.partial_flush_enabled || refused_spans_) recorded = mark_finished_locked(span);
  if (recorded) ++finished_;
  const bool complete = recorded && finished_ == spans_.size();
  const bool partial = recorded && !complete && core_->config.partial_flush_enabled &&
                       finished_ >= core_->config.partial_flush_min_spans;
  if (complete || partial) {
    std::unique_lock<SpinLock> lock(lock_, std::adopt_lock);
    deliver_finished(lock, release_handle);
    return;
  }
  // Nothing to deliver: give up the handle in the same critical section.
  const bool last = release_handle && --handles_ == 0;
  lock_.unlock();
  // Refused at the cap (see add_span): not part of the trace.
  if (!recorded) release_span_data(span);
  if (last) end();
}

// Out of line from span_finished(), so that the common case (a span finishing before
// the rest of its trace) does not pay for this path's set-up.
void TraceSegment::deliver_finished(std::unique_lock<SpinLock>& lock, bool release_handle) {
  bool contains_root = false;
  // Deciding here defers writing the decision's trace tags to tag_first_span_locked,
  // which writes them together with the root's sampling metrics.
  const bool decided_now = !decision_ && make_decision_locked();
  // Move the finished spans out, root first, keeping the unfinished ones in place.
  ReadyChunk ready_chunk(segment_pool());
  TraceChunk& chunk = ready_chunk.get();
  std::vector<SpanData*>& ready = chunk.spans;
  if (finished_ == spans_.size()) {
    // The whole list (the usual delivery: the trace is complete). A local root, when
    // listed, is its first entry (add_span_locked), so the list is already in chunk
    // order: it becomes the chunk's list, exchanged for the thread's empty spare (whose
    // capacity the segment keeps instead) rather than copied.
    contains_root = local_root_ != nullptr;
    if (core_->config.partial_flush_enabled || refused_spans_) {
      for (SpanData*& entry : spans_) entry = Entry::span(entry);  // the marks off
    }
    ready.swap(spans_);
  } else {
    ready.reserve(finished_);
    std::size_t kept = 0;
    for (SpanData* entry : spans_) {
      SpanData* const span = Entry::span(entry);
      if (!Entry::finished(entry)) {
        spans_[kept++] = entry;
      } else if (span == local_root_) {
        contains_root = true;
        // Usually the first entry (a segment's first span is its root): appended, which
        // costs less than the general insert.
        if (ready.empty()) {
          ready.push_back(span);
        } else {
          ready.insert(ready.begin(), span);
        }
      } else {
        ready.push_back(span);
      }
    }
    spans_.erase(spans_.begin() + static_cast<std::ptrdiff_t>(kept), spans_.end());
  }
  finished_ = 0;
  if (contains_root) {
    local_root_ = nullptr;
    root_delivered_ = true;
  }
  // The finishing Span's handle, when it is the last one, is given up in this same
  // critical section: no other handle is left to reach the segment, so delivering
  // below still reads it safely (a trace ended by its root's handle going away: one
  // lock, not two).
  const bool last = release_handle && handles_ == 1;
  if (last) handles_ = 0;
  // The trace-level state is read in this same critical section, not in another.
  const int priority = tag_first_span_locked(*ready.front(), contains_root, decided_now, last);
  lock.unlock();
  deliver(chunk, contains_root, priority);
  if (last) {
    end();
  } else if (release_handle) {
    // Only now: delivering reads this segment, which the handle keeps alive.
    this->release_handle();
  }
}

void TraceSegment::release_handle() {
  bool last;
  {
    std::lock_guard<SpinLock> lock(lock_);
    last = --handles_ == 0;
  }
  if (last) end();
}

// Called with lock_ held, when a new span meets the cap.
void TraceSegment::refuse_span() {
  core_->spans_dropped_segment_full.fetch_add(1, std::memory_order_relaxed);
  if (refused_spans_) return;
  refused_spans_ = true;
  // Once per segment, so a runaway trace logs one line, not one per span.
  core_->logger->log(LogLevel::kWarning,
                     "trace " + std::to_string(trace_id_.low) + " holds " +
                         std::to_string(kMaxSpansPerSegment) +
                         " spans; its further spans are not recorded (a span that never "
                         "finishes? DD_TRACE_PARTIAL_FLUSH_ENABLED sends finished spans early)");
}

void TraceSegment::decide_locked() {
  if (make_decision_locked()) apply_to_trace_tags_locked();
}

bool TraceSegment::make_decision_locked() {
  if (local_root_ == nullptr) {
    decision_ = SamplingDecision{};
    return false;
  }
  decision_ = core_->sampler->decide(*local_root_);
  return true;
}

void TraceSegment::apply_to_trace_tags_locked() {
  // psr metrics are written on delivery; only trace tags matter now.
  set_sampling_trace_tags(*decision_, trace_tags_);
}

int TraceSegment::sampling_priority() {
  std::lock_guard<SpinLock> lock(lock_);
  if (!decision_) decide_locked();
  return decision_->priority;
}

void TraceSegment::set_manual_priority(int priority) {
  std::lock_guard<SpinLock> lock(lock_);
  decision_ = SamplingDecision{priority, SamplingMechanism::kManual, {}, {}, {}};
  decision_from_upstream_ = false;
  apply_to_trace_tags_locked();
}

int TraceSegment::tag_first_span_locked(SpanData& first, bool contains_root, bool decided_now,
                                        bool last_delivery) {
  // The first span is finished: nobody else writes it, but the trace's state may still
  // change (partial flush), so it is read under the lock.
  const SamplingDecision& decision = *decision_;
  if (contains_root && !decision_from_upstream_) {
    if (decided_now && last_delivery && trace_tags_.empty()) {
      // A new trace's usual end: nothing will read its trace tags after this (no handle
      // left to inject, no span left to deliver), so the decision's go straight onto
      // the root, without the list's strings made here and freed by end().
      apply_sampling_decision_to_root(decision, first);
      return decision.priority;
    }
    if (decided_now) {
      // The root's metrics and the trace's tags in one pass (what decide_locked() and
      // the other branch here would do in two).
      apply_sampling_decision(decision, first, trace_tags_);
    } else {
      // The trace tags were written when the decision was made.
      set_sampling_metrics(decision, first);
    }
  } else {
    if (decided_now) apply_to_trace_tags_locked();
    first.metrics.set_known(span_keys::kSamplingPriority, static_cast<double>(decision.priority));
  }
  for (const auto& [key, value] : trace_tags_) first.meta.set(key, value);
  return decision.priority;
}

void TraceSegment::deliver(TraceChunk& chunk, bool contains_root, int priority) {
  const TracerCore& core = *core_;
  const std::vector<SpanData*>& spans = chunk.spans;
  SpanData& first = *spans.front();
  if (first.trace_id.high != 0) {
    char hex[16];
    hex16(first.trace_id.high, hex);
    first.meta.set_known(span_keys::kTraceIdHigh, std::string_view(hex, sizeof hex));
  }
  if (contains_root) {
    if (propagation_error_) first.meta.set_known(span_keys::kPropagationError, *propagation_error_);
    if (datadog_last_parent_id_)
      first.meta.set_known(span_keys::kParentId, *datadog_last_parent_id_);
    for (auto& link : links_) first.links.push_back(link);
  }

  // What every span of the chunk may get, decided once: most traces get none of it
  // (no origin, no DD_VERSION, kept), and then skip the loop.
  const FinalizedTracerConfig& config = core.config;
  const bool tag_origin = origin_.has_value();
  const bool tag_version = !config.version.empty();
  SpanSampler* const span_sampler = priority <= 0 ? core.span_sampler.get() : nullptr;
  if (tag_origin || tag_version || span_sampler != nullptr) {
    for (SpanData* span : spans) {
      if (tag_origin) span->meta.set_known(span_keys::kOrigin, *origin_);
      if (tag_version && span->service == config.service &&
          !span->meta.find_known(span_keys::kVersion)) {
        span->meta.set_known(span_keys::kVersion, config.version);
      }
      if (span_sampler != nullptr) span_sampler->sample(*span);
    }
  }
  if (core.collector) {
    chunk.sampling_priority = priority;
    core.collector->send(chunk);
  }
  // Last to first: the pool hands out the span released last first, so the next trace's
  // root gets this trace's root back (its name and tags most alike, written over).
  release_span_data(spans.data(), spans.size());
}

void TraceSegment::inject(DictWriter& writer, std::uint64_t span_id) {
  std::lock_guard<SpinLock> lock(lock_);
  if (!decision_) decide_locked();
  InjectionContext context;
  context.trace_id = trace_id_;
  context.span_id = span_id;
  context.sampling_priority = decision_->priority;
  context.origin = origin_ ? &*origin_ : nullptr;
  context.trace_tags = &trace_tags_;
  context.additional_w3c_tracestate =
      additional_w3c_tracestate_ ? &*additional_w3c_tracestate_ : nullptr;
  context.additional_datadog_w3c_tracestate =
      additional_datadog_w3c_tracestate_ ? &*additional_datadog_w3c_tracestate_ : nullptr;
  context.baggage = &baggage_;
  std::optional<std::string> error;
  inject_context(writer, context, core_->propagation, &error);
  if (error) propagation_error_ = std::move(error);
}

std::optional<std::string> TraceSegment::baggage(std::string_view key) {
  std::lock_guard<SpinLock> lock(lock_);
  for (const auto& [k, v] : baggage_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

void TraceSegment::set_baggage(std::string_view key, std::string_view value) {
  std::lock_guard<SpinLock> lock(lock_);
  for (auto& [k, v] : baggage_) {
    if (k == key) {
      v.assign(value);
      return;
    }
  }
  baggage_.emplace_back(std::string(key), std::string(value));
}

}  // namespace gatetrace
