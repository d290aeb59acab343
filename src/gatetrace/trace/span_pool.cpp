#include "gatetrace/trace/span_pool.h"

#include <vector>

#include "gatetrace/common/thread_exit_safe.h"

namespace gatetrace {
namespace {

// Enough for a few traces in flight per thread.
constexpr std::size_t kMaxPooledSpans = 256;
// A recycled span keeping more heap than this in its tag areas is freed instead.
constexpr std::size_t kMaxRetainedBytes = 4096;

struct Pool {
  std::vector<SpanData*> spans;
  Pool() { spans.reserve(kMaxPooledSpans); }
  ~Pool() {
    for (SpanData* span : spans) delete span;
  }
};

// This thread's pool; null once it has been destroyed (a span released by the thread's
// exiting destructors is then simply freed).
Pool* pool() { return ThreadExitSafe<Pool>::get(); }

bool worth_keeping(const SpanData& span) {
  return span.meta.heap_bytes() + span.metrics.heap_bytes() <= kMaxRetainedBytes;
}

}  // namespace

namespace {

// acquire_span_data() past its usual case: a new span, or a recycled one whose texts
// differ from the ones asked for. Out of line, so that the usual case saves no
// registers for these calls.
[[gnu::noinline]] SpanData* name_span(SpanData* span, std::string_view name,
                                      std::string_view service, std::string_view resource,
                                      std::string_view type) {
  if (span == nullptr) span = new SpanData();
  span->name.assign_guarded(name);
  span->service.assign_guarded(service);
  span->resource.assign_guarded(resource);
  span->type.assign_guarded(type);
  return span;
}

}  // namespace

SpanData* acquire_span_data(std::string_view name, std::string_view service,
                            std::string_view resource, std::string_view type) {
  Pool* p = pool();
  if (p == nullptr || p->spans.empty()) return name_span(nullptr, name, service, resource, type);
  SpanData* span = p->spans.back();
  p->spans.pop_back();
  // Most spans are named like the one recycled: its texts compared, nothing written.
  if (span->name.holds(name) && span->service.holds(service) && span->resource.holds(resource) &&
      span->type.holds(type)) {
    return span;
  }
  return name_span(span, name, service, resource, type);
}

namespace {

// Resets `span` to a new span's state and keeps it in `p`, or frees it. The tag areas
// keep their heap blocks (bounded by worth_keeping).
inline void recycle(Pool* p, SpanData* span) {
  if (p == nullptr || p->spans.size() >= kMaxPooledSpans || !worth_keeping(*span)) {
    delete span;
    return;
  }
  span->trace_id = TraceId{};
  span->span_id = 0;
  span->parent_id = 0;
  // The four texts stay for acquire_span_data() to compare with the next span's (most
  // spans are named like the one before), unless they are heap copies, which a pooled
  // span does not keep.
  if (span->service.owned()) span->service.assign({});
  if (span->name.owned()) span->name.assign({});
  if (span->resource.owned()) span->resource.assign({});
  if (span->type.owned()) span->type.assign({});
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
