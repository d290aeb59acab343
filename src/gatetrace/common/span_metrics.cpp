#include "gatetrace/span_metrics.h"

#include <memory>
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

Metrics::value_type* Metrics::set_or_append(std::string_view key, double value) {
  for (value_type* entry = block_ ? block_->entries() : nullptr; entry != end(); ++entry) {
    if (entry->first.holds(key)) {
      entry->second = value;
      return nullptr;
    }
  }
  if (block_ == nullptr || block_->size == block_->capacity) grow();
  value_type* entry = new (block_->entries() + block_->size) value_type(SpanString(), value);
  ++block_->size;
  return entry;
}

void Metrics::set(std::string_view key, double value) {
  // A key may be of high cardinality: the doorkeeper's.
  if (value_type* added = set_or_append(key, value)) added->first.assign_guarded(key);
}

void Metrics::set_known_slow(std::uint32_t known_key, double value) {
  // By text, set(): no block yet, a full one, or an owned copy of some key, which may be
  // this key's text set before it was interned (set_known() compared records only). A
  // new entry's key interns to `known_key` all the same.
  set(SpanString::interned(known_key)->view(), value);
}

bool Metrics::erase_present(std::string_view key) {
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

namespace {

// Out of line, so that destroy_entries() makes no call but a tail call (no register saves).
[[gnu::noinline]] void destroy(Metrics::value_type* entries, std::uint32_t size) noexcept {
  std::destroy_n(entries, size);
}

}  // namespace

void Metrics::destroy_entries() noexcept {
  value_type* entries = block_->entries();
  const std::uint32_t size = block_->size;
  block_->size = 0;
  // A key's destructor only frees an owned copy, and the keys are usually all interned:
  // one pass tests them, and the destructors run only when one is owned (else the
  // entries' storage is reused as it is).
  bool any_owned = false;
  for (std::uint32_t i = 0; i < size; ++i) any_owned |= entries[i].first.owned();
  if (any_owned) destroy(entries, size);
}

void Metrics::release_memory() noexcept {
  clear();
  ::operator delete(block_);
  block_ = nullptr;
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
