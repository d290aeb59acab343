#include "gatetrace/trace/segment_pool.h"

namespace gatetrace {

SegmentPool::~SegmentPool() {
  for (std::size_t i = 0; i < block_count; ++i) ::operator delete(blocks[i]);
}

}  // namespace gatetrace
