// ExportSlots: each request thread's place in one exporter. A slot holds the block the
// thread is appending encoded traces to, and the thread's counts of traces queued and
// dropped, so that the per-trace path touches only memory of its own thread.
//
// The slot's block pointer is the only handshake with the flush thread, and it takes no
// lock: the owner swaps in `kBusy` while it appends and stores the block back after;
// the flush thread takes a partly filled block by a compare-and-swap from the block to
// null (waiting out a `kBusy`), so that a flush delivers every trace whose send
// returned before it, and the owner simply starts a new block on its next trace.
//
// A thread that exits leaves its block in the slot for the next flush, and the slot free
// for the next new thread. The registry is shared between the exporter and the threads'
// slot tables, so a thread that exits after the exporter is gone touches nothing freed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "gatetrace/export/export_block.h"

namespace gatetrace {

struct ExportSlot {
  // Marks the block pointer while its owner appends to the block (never dereferenced).
  static ExportBlock* const kBusy;

  std::atomic<ExportBlock*> current{nullptr};
  std::atomic<bool> in_use{false};
  // Written by the owner only (a relaxed load and store, no read-modify-write).
  std::atomic<std::uint64_t> enqueued{0};
  std::atomic<std::uint64_t> dropped{0};

  static void bump(std::atomic<std::uint64_t>& count) {
    count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

// One send's hold on the calling thread's slot. The slot normally stays the thread's
// until it exits; a send made while the thread exits (a span in a thread_local finished
// after the thread's slot table was destroyed) claims a slot for itself and frees it
// after, leaving its block there for the flush thread.
class ExportSlotLease {
 public:
  ExportSlotLease(ExportSlot& slot, bool temporary) : slot_(&slot), temporary_(temporary) {}
  ~ExportSlotLease() {
    if (temporary_) slot_->in_use.store(false, std::memory_order_release);
  }
  ExportSlotLease(const ExportSlotLease&) = delete;
  ExportSlotLease& operator=(const ExportSlotLease&) = delete;

  ExportSlot& slot() const { return *slot_; }
  bool temporary() const { return temporary_; }

 private:
  ExportSlot* slot_;
  bool temporary_;
};

class ExportSlotRegistry : public std::enable_shared_from_this<ExportSlotRegistry> {
 public:
  ExportSlotRegistry();
  ExportSlotRegistry(const ExportSlotRegistry&) = delete;
  ExportSlotRegistry& operator=(const ExportSlotRegistry&) = delete;

  // The calling thread's slot, claimed on its first call (a free slot of an exited
  // thread is reused). The registry must be owned by a shared_ptr.
  ExportSlotLease this_thread_slot();

  // Appends every slot's partly filled block to `out`, leaving the slots empty. Waits
  // while an owner is appending. (An owner never leaves an empty block in its slot.)
  void take_partial_blocks(std::vector<ExportBlock*>& out);
  // Whether some slot holds a block (or is being appended to).
  bool has_partial_blocks();
  // Sums of the slots' counts.
  std::uint64_t enqueued();
  std::uint64_t dropped();
  // The owning exporter is gone: threads drop their reference when they next look.
  void retire() { retired_.store(true, std::memory_order_release); }
  bool retired() const { return retired_.load(std::memory_order_acquire); }

  std::uint64_t id() const { return id_; }
  // Number of slots ever made (for tests).
  std::size_t slot_count();

 private:
  ExportSlot& claim_slot();

  const std::uint64_t id_;
  std::atomic<bool> retired_{false};
  std::mutex mutex_;
  std::vector<std::unique_ptr<ExportSlot>> slots_;
};

}  // namespace gatetrace
