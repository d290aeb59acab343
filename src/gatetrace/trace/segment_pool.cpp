#include "gatetrace/trace/segment_pool.h"

#include <new>

#include "gatetrace/common/thread_exit_safe.h"

namespace gatetrace {

SegmentPool::~SegmentPool() {
  for (std::size_t i = 0; i < block_count; ++i) ::operator delete(blocks[i]);
}

SegmentPool* segment_pool() noexcept { return ThreadExitSafe<SegmentPool>::get(); }

void* allocate_segment_block(std::size_t size) {
  SegmentPool* pool = segment_pool();
  if (pool != nullptr && pool->block_count > 0) return pool->blocks[--pool->block_count];
  return ::operator new(size);
}

void free_segment_block(void* block) noexcept {
  SegmentPool* pool = segment_pool();
  if (pool != nullptr && pool->block_count < SegmentPool::kMaxBlocks) {
    pool->blocks[pool->block_count++] = block;
    return;
  }
  ::operator delete(block);
}

}  // namespace gatetrace
