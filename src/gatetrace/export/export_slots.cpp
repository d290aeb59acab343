#include "gatetrace/export/export_slots.h"

#include <algorithm>
#include <thread>
#include <utility>

namespace gatetrace {
namespace {

// Its address is ExportSlot::kBusy; it is never used as a block.
ExportBlock busy_marker;

std::atomic<std::uint64_t> next_registry_id{1};

// The calling thread's slots, most recently used first. On exit the thread frees its
// slots (their blocks stay for the flush thread).
struct ThreadExportSlots {
  struct Entry {
    std::uint64_t registry_id;
    std::shared_ptr<ExportSlotRegistry> registry;
    ExportSlot* slot;
  };
  std::vector<Entry> entries;

  ~ThreadExportSlots() {
    for (const Entry& entry : entries) entry.slot->in_use.store(false, std::memory_order_release);
  }
};

thread_local ThreadExportSlots thread_export_slots;

}  // namespace

ExportBlock* const ExportSlot::kBusy = &busy_marker;

ExportSlotRegistry::ExportSlotRegistry()
    : id_(next_registry_id.fetch_add(1, std::memory_order_relaxed)) {}

ExportSlot& ExportSlotRegistry::this_thread_slot() {
  auto& entries = thread_export_slots.entries;
  if (!entries.empty() && entries.front().registry_id == id_) return *entries.front().slot;
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->registry_id == id_) {
      std::rotate(entries.begin(), it, it + 1);
      return *entries.front().slot;
    }
  }
  // First trace of this thread here: forget the registries of exporters that are gone.
  for (auto it = entries.begin(); it != entries.end();) {
    if (it->registry->retired()) {
      it->slot->in_use.store(false, std::memory_order_release);
      it = entries.erase(it);
    } else {
      ++it;
    }
  }
  ExportSlot& slot = claim_slot();
  entries.insert(entries.begin(), {id_, shared_from_this(), &slot});
  return slot;
}

ExportSlot& ExportSlotRegistry::claim_slot() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& slot : slots_) {
    // Only set under the lock, so a free slot stays free until claimed here.
    if (!slot->in_use.load(std::memory_order_acquire)) {
      slot->in_use.store(true, std::memory_order_relaxed);
      return *slot;
    }
  }
  slots_.push_back(std::make_unique<ExportSlot>());
  slots_.back()->in_use.store(true, std::memory_order_relaxed);
  return *slots_.back();
}

void ExportSlotRegistry::take_partial_blocks(std::vector<ExportBlock*>& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& slot : slots_) {
    ExportBlock* block = slot->current.load(std::memory_order_acquire);
    while (block != nullptr) {
      if (block == ExportSlot::kBusy) {
        // The owner is appending one trace: a short wait.
        std::this_thread::yield();
        block = slot->current.load(std::memory_order_acquire);
        continue;
      }
      if (slot->current.compare_exchange_weak(block, nullptr, std::memory_order_acquire,
                                              std::memory_order_acquire)) {
        out.push_back(block);
        break;
      }
    }
  }
}

bool ExportSlotRegistry::has_partial_blocks() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& slot : slots_) {
    if (slot->current.load(std::memory_order_acquire) != nullptr) return true;
  }
  return false;
}

std::uint64_t ExportSlotRegistry::enqueued() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t sum = 0;
  for (const auto& slot : slots_) sum += slot->enqueued.load(std::memory_order_relaxed);
  return sum;
}

std::uint64_t ExportSlotRegistry::dropped() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t sum = 0;
  for (const auto& slot : slots_) sum += slot->dropped.load(std::memory_order_relaxed);
  return sum;
}

std::size_t ExportSlotRegistry::slot_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_.size();
}

}  // namespace gatetrace
