#include "gatetrace/trace/span_pool.h"

#include <vector>

#include "gatetrace/common/thread_exit_safe.h"

namespace gatetrace {
namespace {

// Enough for a few traces in flight per thread.
constexpr std::size_t kMaxPooledSpans = 256;
// A recycled span keeping more heap than this in its tag areas is freed instead.
constexpr std::size_t kMaxRetainedBytes = 4096;

// This thread's pool; null once it has been destroyed (a span released by the thread's
// exiting destructors is then simply freed).
SpanPoolList* pool() { return ThreadExitSafe<SpanPoolList>::get(); }

bool worth_keeping(const SpanData& span) {
  return span.meta.heap_bytes() + span.metrics.heap_bytes() <= kMaxRetainedBytes;
}

}  // namespace

SpanPoolList::SpanPoolList() { spans.reserve(kMaxPooledSpans); }

SpanPoolList::~SpanPoolList() {
  for (SpanData* span : spans) delete span;
}

SpanData* acquire_span_data_named(std::string_view name, std::string_view service,
                                  std::string_view resource, std::string_view type) {
  SpanPoolList* p = pool();
  SpanData* span;
  if (p == nullptr || p->spans.empty()) {
    span = new SpanData();
  } else {
    span = p->spans.back();
    p->spans.pop_back();
  }
  span->name.assign_guarded(name);
  span->service.assign_guarded(service);
  span->resource.assign_guarded(resource);
  span->type.assign_guarded(type);
  return span;
}

namespace {

// Resets `span` to a new span's state and keeps it in `p`, or frees it. The tag areas
// keep their heap blocks (bounded by worth_keeping).
inline void recycle(SpanPoolList* p, SpanData* span) {
  if (p == nullptr || p->spans.size() >= kMaxPooledSpans || !worth_keeping(*span)) {
    delete span;
    return;
  }
  span->trace_id = TraceId{};
  span->span_id = 0;
  span->parent_id = 0;
  // The four texts stay for acquire_span_data() to compare with the next span's (most
  // spans are named like the one before), unless they are heap copies, which a pooled
  // span does not keep. Usually none is: one test for the four (`|`, not `||`).
  if (span->service.owned() | span->name.owned() | span->resource.owned() | span->type.owned()) {
    if (span->service.owned()) span->service.assign({});
    if (span->name.owned()) span->name.assign({});
    if (span->resource.owned()) span->resource.assign({});
    if (span->type.owned()) span->type.assign({});
  }
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
  SpanPoolList* p = pool();
  for (std::size_t i = count; i-- > 0;) {
    if (spans[i] != nullptr) recycle(p, spans[i]);
  }
}

}  // namespace gatetrace
