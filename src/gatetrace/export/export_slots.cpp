#include "gatetrace/export/export_slots.h"

#include <algorithm>
#include <thread>
#include <utility>

namespace gatetrace {
namespace {

// Its address is ExportSlot::kBusy; it is never used as a block.
ExportBlock busy_marker;

std::atomic<std::uint64_t> next_registry_id{1};

// The calling thread's slots, most recently used first.
struct ThreadExportSlots {
  struct Entry {
    std::uint64_t registry_id;
    std::shared_ptr<ExportSlotRegistry> registry;
    ExportSlot* slot;
  };
  std::vector<Entry> entries;
};

// A plain pointer, so the per-trace lookup needs no thread_local initialization check;
// the owner below frees the table when the thread exits, and frees its slots (their
// blocks stay for the flush thread). Sends after that take a slot each (see
// ExportSlotLease).
thread_local ThreadExportSlots* thread_export_slots = nullptr;
thread_local bool thread_export_slots_gone = false;

struct ThreadExportSlotsOwner {
  ~ThreadExportSlotsOwner() {
    if (ThreadExportSlots* slots = thread_export_slots) {
      for (const auto& entry : slots->entries) {
        entry.slot->in_use.store(false, std::memory_order_release);
      }
      thread_export_slots = nullptr;
      delete slots;
    }
    thread_export_slots_gone = true;
  }
};
thread_local ThreadExportSlotsOwner thread_export_slots_owner;

}  // namespace

ExportBlock* const ExportSlot::kBusy = &busy_marker;

ExportSlotRegistry::ExportSlotRegistry()
    : id_(next_registry_id.fetch_add(1, std::memory_order_relaxed)) {}

ExportSlotLease ExportSlotRegistry::this_thread_slot() {
  ThreadExportSlots* slots = thread_export_slots;
  if (slots != nullptr && !slots->entries.empty() && slots->entries.front().registry_id == id_) {
    return {*slots->entries.front().slot, false};
  }
  if (thread_export_slots_gone) return {claim_slot(), true};
  if (slots == nullptr) {
    // Constructs the owner, whose destructor runs at the thread's exit.
    static_cast<void>(&thread_export_slots_owner);
    slots = thread_export_slots = new ThreadExportSlots;
  }
  auto& entries = slots->entries;
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->registry_id == id_) {
      std::rotate(entries.begin(), it, it + 1);
      return {*entries.front().slot, false};
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
  return {slot, false};
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
