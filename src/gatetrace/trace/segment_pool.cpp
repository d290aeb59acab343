#include "gatetrace/trace/segment_pool.h"

#include <new>

namespace gatetrace {
namespace {

// Trivially destructible, so they can still be read while the thread's destructors run
// (the pattern of span_pool.cpp): `current_segment_pool` is the fast path, a plain
// thread-local pointer without an initialization guard.
enum class SegmentPoolState : unsigned char { kUnused, kAlive, kDestroyed };
thread_local SegmentPoolState segment_pool_state = SegmentPoolState::kUnused;
thread_local SegmentPool* current_segment_pool = nullptr;

SegmentPool* create_segment_pool() noexcept {
  if (segment_pool_state == SegmentPoolState::kDestroyed) return nullptr;
  thread_local SegmentPool instance;
  segment_pool_state = SegmentPoolState::kAlive;
  current_segment_pool = &instance;
  return &instance;
}

}  // namespace

SegmentPool::~SegmentPool() {
  segment_pool_state = SegmentPoolState::kDestroyed;
  current_segment_pool = nullptr;
  for (std::size_t i = 0; i < block_count; ++i) ::operator delete(blocks[i]);
}

SegmentPool* segment_pool() noexcept {
  return current_segment_pool != nullptr ? current_segment_pool : create_segment_pool();
}

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
