#include "gatetrace/export/export_block.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "gatetrace/export/export_slots.h"

namespace gatetrace {
namespace {

using namespace std::chrono_literals;

void append(ExportBlock& block, std::string_view chunk) {
  block.bytes.reserve(block.bytes.size() + chunk.size());
  std::memcpy(block.bytes.data() + block.bytes.size(), chunk.data(), chunk.size());
  block.bytes.set_size(block.bytes.size() + chunk.size());
  block.ends.push_back(block.bytes.size());
}

TEST(ExportBlock, ChunksAreTheStretchesBetweenTheirEnds) {
  ExportBlock block;
  append(block, "abc");
  append(block, "");
  append(block, "defgh");
  ASSERT_EQ(block.chunk_count(), 3u);
  EXPECT_EQ(block.chunk(0), "abc");
  EXPECT_EQ(block.chunk(1), "");
  EXPECT_EQ(block.chunk(2), "defgh");
  block.credit = 10;
  block.used = 5;
  block.reset();
  EXPECT_EQ(block.chunk_count(), 0u);
  EXPECT_EQ(block.bytes.size(), 0u);
  EXPECT_EQ(block.credit, 0u);
  EXPECT_EQ(block.used, 0u);
}

TEST(ExportBlockPool, BlocksComeWithTheirCapacityAndAreReused) {
  ExportBlockPool pool(4096, 1 << 20);
  ExportBlock* block = pool.take();
  EXPECT_EQ(block->bytes.capacity(), 4096u);
  append(*block, "trace");
  block->credit = 100;
  pool.give(block);
  EXPECT_EQ(pool.spare_bytes(), 4096u);
  ExportBlock* again = pool.take();
  EXPECT_EQ(again, block);
  EXPECT_EQ(again->chunk_count(), 0u);  // given back empty
  EXPECT_EQ(again->credit, 0u);
  EXPECT_EQ(pool.spare_bytes(), 0u);
  pool.give(again);
}

TEST(ExportBlockPool, KeepsSparesUpToItsLimit) {
  ExportBlockPool pool(4096, 2 * 4096);
  std::vector<ExportBlock*> blocks;
  for (int i = 0; i < 5; ++i) blocks.push_back(pool.take());
  for (ExportBlock* block : blocks) pool.give(block);
  EXPECT_EQ(pool.spare_bytes(), 2u * 4096u);
}

TEST(ExportBlockPool, ABlockThatGrewIsFreedNotKept) {
  ExportBlockPool pool(4096, 1 << 20);
  ExportBlock* block = pool.take();
  block->bytes.reserve(10000);  // one large trace
  pool.give(block);
  EXPECT_EQ(pool.spare_bytes(), 0u);
}

TEST(ExportSlotRegistry, OneSlotPerThread) {
  auto registry = std::make_shared<ExportSlotRegistry>();
  ExportSlot& mine = registry->this_thread_slot().slot();
  EXPECT_EQ(&registry->this_thread_slot().slot(), &mine);
  ExportSlot* theirs = nullptr;
  std::atomic<bool> release{false};
  std::thread other([&] {
    theirs = &registry->this_thread_slot().slot();
    while (!release.load()) std::this_thread::sleep_for(1ms);
  });
  while (registry->slot_count() < 2) std::this_thread::sleep_for(1ms);
  release = true;
  other.join();
  EXPECT_NE(theirs, &mine);
  EXPECT_EQ(registry->slot_count(), 2u);
}

TEST(ExportSlotRegistry, AnExitedThreadsSlotIsReusedWithItsPartlyFilledBlock) {
  auto registry = std::make_shared<ExportSlotRegistry>();
  ExportBlockPool pool(4096, 1 << 20);
  ExportBlock* left = nullptr;
  std::thread([&] {
    ExportSlot& slot = registry->this_thread_slot().slot();
    left = pool.take();
    append(*left, "partial");
    ExportSlot::bump(slot.enqueued);
    slot.current.store(left, std::memory_order_release);
  }).join();
  ExportSlot* reused = nullptr;
  std::thread([&] { reused = &registry->this_thread_slot().slot(); }).join();
  EXPECT_EQ(registry->slot_count(), 1u);
  EXPECT_EQ(reused->current.load(), left);
  EXPECT_EQ(registry->enqueued(), 1u);  // counts outlive the thread

  EXPECT_TRUE(registry->has_partial_blocks());
  std::vector<ExportBlock*> taken;
  registry->take_partial_blocks(taken);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0]->chunk(0), "partial");
  EXPECT_EQ(reused->current.load(), nullptr);
  EXPECT_FALSE(registry->has_partial_blocks());
  pool.give(taken[0]);
}

TEST(ExportSlotRegistry, TakingWaitsOutAnOwnerThatIsAppending) {
  auto registry = std::make_shared<ExportSlotRegistry>();
  ExportBlockPool pool(4096, 1 << 20);
  ExportSlot& slot = registry->this_thread_slot().slot();
  ExportBlock* block = pool.take();
  slot.current.store(ExportSlot::kBusy);
  std::thread owner([&] {
    std::this_thread::sleep_for(30ms);
    append(*block, "late");
    slot.current.store(block, std::memory_order_release);
  });
  std::vector<ExportBlock*> taken;
  registry->take_partial_blocks(taken);
  owner.join();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0]->chunk(0), "late");
  pool.give(block);
}

TEST(ExportSlotRegistry, ThreadsLetGoOfARetiredRegistry) {
  auto first = std::make_shared<ExportSlotRegistry>();
  first->this_thread_slot();
  std::weak_ptr<ExportSlotRegistry> watch = first;
  first->retire();
  first.reset();
  EXPECT_FALSE(watch.expired());  // this thread's slot table still holds it
  auto second = std::make_shared<ExportSlotRegistry>();
  second->this_thread_slot();
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace gatetrace
