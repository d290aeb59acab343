#include "gatetrace/trace/segment_pool.h"

#include "gatetrace/trace/trace_segment.h"

namespace gatetrace {

SegmentPool::~SegmentPool() {
  for (std::size_t i = 0; i < segment_count; ++i) delete segments[i];
}

}  // namespace gatetrace
