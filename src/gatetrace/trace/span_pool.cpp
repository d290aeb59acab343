#include "gatetrace/trace/span_pool.h"

#include <vector>

namespace gatetrace {
namespace {

// Enough for a few traces in flight per thread.
constexpr std::size_t kMaxPooledSpans = 256;
// A recycled span keeping more heap than this is freed instead.
constexpr std::size_t kMaxRetainedBytes = 4096;

struct Pool {
  std::vector<SpanData*> spans;
  Pool() { spans.reserve(kMaxPooledSpans); }
  ~Pool();
};

// Trivially destructible, so it can still be read while the thread's destructors run:
// a span released after the pool is gone is simply freed.
enum class PoolState : unsigned char { kUnused, kAlive, kDestroyed };
thread_local PoolState pool_state = PoolState::kUnused;

Pool::~Pool() {
  pool_state = PoolState::kDestroyed;
  for (SpanData* span : spans) delete span;
}

// Null once this thread's pool has been destroyed.
Pool* pool() {
  if (pool_state == PoolState::kDestroyed) return nullptr;
  thread_local Pool instance;
  pool_state = PoolState::kAlive;
  return &instance;
}

std::size_t retained_bytes(const SpanData& span) {
  return span.service.capacity() + span.name.capacity() + span.resource.capacity() +
         span.type.capacity() + span.meta.capacity_bytes() + span.metrics.capacity_bytes() +
         span.links.capacity() * sizeof(SpanLink);
}

}  // namespace

SpanData* acquire_span_data() {
  Pool* p = pool();
  if (p == nullptr || p->spans.empty()) return new SpanData();
  SpanData* span = p->spans.back();
  p->spans.pop_back();
  return span;
}

void release_span_data(SpanData* span) {
  if (span == nullptr) return;
  Pool* p = pool();
  if (p == nullptr || p->spans.size() >= kMaxPooledSpans ||
      retained_bytes(*span) > kMaxRetainedBytes) {
    delete span;
    return;
  }
  span->trace_id = TraceId{};
  span->span_id = 0;
  span->parent_id = 0;
  span->service.clear();
  span->name.clear();
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

}  // namespace gatetrace
