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

#include "gatetrace/span_data.h"

namespace gatetrace {

// A SpanData named `name` in `service` (with `resource` and `type`), every other field
// at its default value. A recycled span keeps the handles of texts equal to its old
// ones (no intern lookup); new texts go through the doorkeeper (span_string.h).
SpanData* acquire_span_data(std::string_view name = {}, std::string_view service = {},
                            std::string_view resource = {}, std::string_view type = {});
// Resets `span` and keeps it for reuse, or frees it.
void release_span_data(SpanData* span);
// release_span_data() for each of `spans`, last to first (so that the pool hands
// spans[0] out first again), finding this thread's pool once for all of them: a
// delivered trace returns its spans together.
void release_span_data(SpanData* const* spans, std::size_t count);

}  // namespace gatetrace
