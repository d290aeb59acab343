// SpanPool: recycles SpanData between traces, per thread. A span's tag areas keep
// their heap blocks when it is recycled, so in steady state creating a span and tagging
// it allocates nothing (malloc/free was a third of a span's cost). Each thread keeps at
// most a bounded number of spans, and a span that grew large (a long error stack, many
// tags) is freed instead of kept, so the pool's memory stays small.
//
// A span may be released on another thread than the one that acquired it; it then
// joins that thread's pool. No locks: every pool is thread-local.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "gatetrace/common/thread_exit_safe.h"
#include "gatetrace/span_data.h"

namespace gatetrace {

// This thread's recycled spans, the last released at the back. Exposed for
// acquire_span_data()'s inline case only; the rest of the pool is in span_pool.cpp.
struct SpanPoolList {
  std::vector<SpanData*> spans;
  SpanPoolList();
  ~SpanPoolList();  // frees the spans kept
};

// acquire_span_data() past its usual case: no recycled span on this thread, or one
// whose texts differ from the ones asked for.
SpanData* acquire_span_data_named(std::string_view name, std::string_view service,
                                  std::string_view resource, std::string_view type);

// acquire_span_data(), forced inline: for a root span's creation, where GCC kept the
// call (forcing acquire_span_data() itself cost child spans more instead).
[[gnu::always_inline]] inline SpanData* acquire_span_data_inlined(std::string_view name,
                                                                  std::string_view service,
                                                                  std::string_view resource,
                                                                  std::string_view type) {
  SpanPoolList* const pool = ThreadExitSafe<SpanPoolList>::get();
  if (pool != nullptr && !pool->spans.empty()) {
    SpanData* const span = pool->spans.back();
    if (span->name.holds(name) && span->service.holds(service) && span->resource.holds(resource) &&
        span->type.holds(type)) {
      pool->spans.pop_back();
      return span;
    }
  }
  return acquire_span_data_named(name, service, resource, type);
}

// A SpanData named `name` in `service` (with `resource` and `type`), every other field
// at its default value. A recycled span keeps the handles of texts equal to its old
// ones (no intern lookup); new texts go through the doorkeeper (span_string.h).
// Inline for the usual span, named like the one recycled: its texts are compared where
// the span is created, which saves a call and its register saves per span.
inline SpanData* acquire_span_data(std::string_view name = {}, std::string_view service = {},
                                   std::string_view resource = {}, std::string_view type = {}) {
  return acquire_span_data_inlined(name, service, resource, type);
}
// Resets `span` and keeps it for reuse, or frees it.
void release_span_data(SpanData* span);
// release_span_data() for each of `spans`, last to first (so that the pool hands
// spans[0] out first again), finding this thread's pool once for all of them: a
// delivered trace returns its spans together.
void release_span_data(SpanData* const* spans, std::size_t count);

}  // namespace gatetrace
