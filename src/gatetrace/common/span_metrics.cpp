#include "gatetrace/span_metrics.h"

#include <new>

namespace gatetrace {
namespace {

constexpr std::uint32_t kFirstCapacity = 4;

}  // namespace

Metrics::Metrics(const Metrics& other) {
  for (const auto& [key, value] : other) set(key, value);
}

Metrics& Metrics::operator=(const Metrics& other) {
  if (this != &other) {
    clear();
    for (const auto& [key, value] : other) set(key, value);
  }
  return *this;
}

void Metrics::set(std::string_view key, double value) {
  for (value_type* entry = block_ ? block_->entries() : nullptr; entry != end(); ++entry) {
    if (entry->first == key) {
      entry->second = value;
      return;
    }
  }
  if (block_ == nullptr || block_->size == block_->capacity) grow();
  new (block_->entries() + block_->size) value_type(SpanString(key), value);
  ++block_->size;
}

bool Metrics::erase(std::string_view key) {
  const value_type* found = find_entry(key);
  if (found == nullptr) return false;
  value_type* entries = block_->entries();
  for (std::size_t i = static_cast<std::size_t>(found - entries); i + 1 < block_->size; ++i) {
    entries[i] = std::move(entries[i + 1]);
  }
  entries[block_->size - 1].~value_type();
  --block_->size;
  return true;
}

void Metrics::clear() noexcept {
  if (block_ == nullptr) return;
  value_type* entries = block_->entries();
  for (std::uint32_t i = 0; i < block_->size; ++i) entries[i].~value_type();
  block_->size = 0;
}

void Metrics::release_memory() noexcept {
  clear();
  ::operator delete(block_);
  block_ = nullptr;
}

std::size_t Metrics::heap_bytes() const noexcept {
  return block_ ? sizeof(Block) + block_->capacity * sizeof(value_type) : 0;
}

void Metrics::grow() {
  const std::uint32_t capacity = block_ ? 2 * block_->capacity : kFirstCapacity;
  auto* block = static_cast<Block*>(::operator new(sizeof(Block) + capacity * sizeof(value_type)));
  block->size = 0;
  block->capacity = capacity;
  if (block_ != nullptr) {
    value_type* from = block_->entries();
    for (std::uint32_t i = 0; i < block_->size; ++i) {
      new (block->entries() + i) value_type(std::move(from[i]));
      from[i].~value_type();
    }
    block->size = block_->size;
    ::operator delete(block_);
  }
  block_ = block;
}

}  // namespace gatetrace
