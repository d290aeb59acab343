// ExportBlock and ExportBlockPool: where the exporter's encoded traces live between the
// request thread that finishes a trace and the flush thread that sends it.
//
// A request thread encodes each trace straight onto the end of its current block (no
// copy, no allocation per trace) and hands the block whole to the flush thread once it
// is nearly full, so the queue sees one operation per block rather than per trace. The
// flush thread gives sent blocks back to the pool, and request threads take their next
// block from it: in a steady state no block is allocated at all.
#pragma once

#include <cstddef>
#include <mutex>
#include <string_view>
#include <vector>

#include "gatetrace/export/byte_buffer.h"

namespace gatetrace {

struct ExportBlock {
  ExportBlock* next = nullptr;    // in the exporter's stack of full blocks, or the pool
  ByteBuffer bytes;               // the encoded chunks, back to back
  std::vector<std::size_t> ends;  // where each chunk ends in `bytes`
  std::size_t credit = 0;         // bytes of the exporter's buffer bound this block holds
  std::size_t used = 0;           // what its chunks cost against that bound

  std::size_t chunk_count() const { return ends.size(); }
  std::string_view chunk(std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : ends[i - 1];
    return {bytes.data() + begin, ends[i] - begin};
  }
  // Empties the block for reuse, keeping its memory.
  void reset() {
    next = nullptr;
    bytes.clear();
    ends.clear();
    credit = 0;
    used = 0;
  }
};

// Spare blocks, shared by all threads of one exporter. Taken once per block (not per
// trace), so a mutex costs nothing measurable here and keeps the list ABA-free.
class ExportBlockPool {
 public:
  // Blocks are made with `block_capacity` bytes; at most `max_spare_bytes` of them are
  // kept for reuse (the rest, and any block that grew for a large trace, are freed).
  ExportBlockPool(std::size_t block_capacity, std::size_t max_spare_bytes);
  ~ExportBlockPool();
  ExportBlockPool(const ExportBlockPool&) = delete;
  ExportBlockPool& operator=(const ExportBlockPool&) = delete;

  std::size_t block_capacity() const { return block_capacity_; }
  // An empty block with at least block_capacity() bytes of room.
  ExportBlock* take();
  // Takes `block` back (it must no longer be referenced anywhere else).
  void give(ExportBlock* block);
  // Bytes held by spare blocks (for tests).
  std::size_t spare_bytes() const;

 private:
  const std::size_t block_capacity_;
  const std::size_t max_spare_bytes_;
  mutable std::mutex mutex_;
  ExportBlock* spares_ = nullptr;
  std::size_t spare_bytes_ = 0;
};

}  // namespace gatetrace
