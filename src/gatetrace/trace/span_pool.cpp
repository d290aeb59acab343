#include "gatetrace/trace/span_pool.h"

#include <vector>

namespace gatetrace {
namespace {

// Enough for a few traces in flight per thread.
constexpr std::size_t kMaxPooledSpans = 256;
// A recycled span keeping more heap than this (in its own strings, or in either map
// unless that map's text is all short; see worth_keeping) is freed instead.
constexpr std::size_t kMaxRetainedBytes = 4096;

struct Pool {
  std::vector<SpanData*> spans;
  Pool() { spans.reserve(kMaxPooledSpans); }
  ~Pool();
};

// Trivially destructible, so it can still be read while the thread's destructors run:
// a span released after the pool is gone is simply freed. `current_pool` is the fast
// path (a plain thread-local pointer, no initialization guard).
enum class PoolState : unsigned char { kUnused, kAlive, kDestroyed };
thread_local PoolState pool_state = PoolState::kUnused;
thread_local Pool* current_pool = nullptr;

Pool::~Pool() {
  pool_state = PoolState::kDestroyed;
  current_pool = nullptr;
  for (SpanData* span : spans) delete span;
}

// Null once this thread's pool has been destroyed.
Pool* create_pool() {
  if (pool_state == PoolState::kDestroyed) return nullptr;
  thread_local Pool instance;
  pool_state = PoolState::kAlive;
  current_pool = &instance;
  return &instance;
}

Pool* pool() { return current_pool != nullptr ? current_pool : create_pool(); }

template <typename Value>
bool small_enough(const FlatMap<Value>& map) {
  // Short text in at most 16 slots is at most 16 * (64 + 2 * 96) bytes, about
  // kMaxRetainedBytes: no need to add up every string.
  if (map.all_text_short() && map.slot_capacity() <= 16) return true;
  return map.capacity_bytes() <= kMaxRetainedBytes;
}

bool worth_keeping(const SpanData& span) {
  const std::size_t own = span.service.capacity() + span.name.capacity() +
                          span.resource.capacity() + span.type.capacity() +
                          span.links.capacity() * sizeof(SpanLink);
  return own <= kMaxRetainedBytes && small_enough(span.meta) && small_enough(span.metrics);
}

}  // namespace

SpanData* acquire_span_data(std::string_view name, std::string_view service) {
  Pool* p = pool();
  SpanData* span;
  if (p == nullptr || p->spans.empty()) {
    span = new SpanData();
  } else {
    span = p->spans.back();
    p->spans.pop_back();
  }
  detail::assign_reusing(span->name, name);
  detail::assign_reusing(span->service, service);
  return span;
}

namespace {

// Resets `span` to a new span's state (except name and service, which
// acquire_span_data() writes over) and keeps it in `p`, or frees it.
inline void recycle(Pool* p, SpanData* span) {
  if (p == nullptr || p->spans.size() >= kMaxPooledSpans || !worth_keeping(*span)) {
    delete span;
    return;
  }
  span->trace_id = TraceId{};
  span->span_id = 0;
  span->parent_id = 0;
  // name and service keep their text: acquire_span_data() writes over it.
  span->resource.clear();
  span->type.clear();
  span->start = TimePoint{};
  span->duration_ns = 0;
  span->error = false;
  span->meta.clear();
  span->metrics.clear();
  span->links.clear();
  p->spans.push_back(span);
}

}  // namespace

void release_span_data(SpanData* span) {
  if (span == nullptr) return;
  recycle(pool(), span);
}

void release_span_data(SpanData* const* spans, std::size_t count) {
  Pool* p = pool();
  for (std::size_t i = count; i-- > 0;) {
    if (spans[i] != nullptr) recycle(p, spans[i]);
  }
}

}  // namespace gatetrace
