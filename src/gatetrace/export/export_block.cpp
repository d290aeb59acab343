#include "gatetrace/export/export_block.h"

namespace gatetrace {
namespace {

// Room for the chunk ends of a block of small traces without growing.
constexpr std::size_t kReservedChunkEnds = 64;

}  // namespace

ExportBlockPool::ExportBlockPool(std::size_t block_capacity, std::size_t max_spare_bytes)
    : block_capacity_(block_capacity), max_spare_bytes_(max_spare_bytes) {}

ExportBlockPool::~ExportBlockPool() {
  while (spares_ != nullptr) {
    ExportBlock* next = spares_->next;
    delete spares_;
    spares_ = next;
  }
}

ExportBlock* ExportBlockPool::take() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ExportBlock* block = spares_) {
      spares_ = block->next;
      spare_bytes_ -= block->bytes.capacity();
      block->next = nullptr;
      return block;
    }
  }
  auto* block = new ExportBlock;
  block->bytes.reserve(block_capacity_);
  block->ends.reserve(kReservedChunkEnds);
  return block;
}

void ExportBlockPool::give(ExportBlock* block) {
  block->reset();
  const std::size_t bytes = block->bytes.capacity();
  if (bytes == block_capacity_) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (spare_bytes_ + bytes <= max_spare_bytes_) {
      block->next = spares_;
      spares_ = block;
      spare_bytes_ += bytes;
      return;
    }
  }
  delete block;
}

std::size_t ExportBlockPool::spare_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return spare_bytes_;
}

}  // namespace gatetrace
