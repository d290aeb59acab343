// Metrics: a span's numeric tags (the payload's `metrics`), unique keys in insertion
// order. Most spans have none (the local root has the sampling ones), so the map is a
// single pointer until its first tag: a heap block holding the entry count, the
// capacity and the entries, keys as SpanStrings (interned: see span_string.h).
//
// Reading: `for (const auto& [key, value] : metrics)` (key a SpanString, value a
// double); `if (const double* value = metrics.find(key)) use(*value);`.
#pragma once

#include "gatetrace/api.h"

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <utility>

#include "gatetrace/span_string.h"

namespace gatetrace {

class GATETRACE_API Metrics {
 public:
  using value_type = std::pair<SpanString, double>;
  using const_iterator = const value_type*;
  using iterator = const_iterator;

  Metrics() noexcept = default;
  Metrics(const Metrics& other);
  Metrics(Metrics&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  Metrics& operator=(const Metrics& other);
  Metrics& operator=(Metrics&& other) noexcept {
    if (this != &other) {
      release_memory();
      block_ = std::exchange(other.block_, nullptr);
    }
    return *this;
  }
  ~Metrics() { release_memory(); }

  // Adds the metric, or replaces the value of an existing one (keeping its place).
  void set(std::string_view key, double value);
  // set() for a key of span_keys.h, or any id SpanString::intern() gave: a new entry
  // takes the key's record without an intern lookup.
  void set_known(std::uint32_t known_key, double value) {
    // Inline once the map has a block (a recycled span keeps its block) with room, and
    // no key held as an owned copy: such a copy may be `known_key`'s text set before it
    // was interned, which only set()'s search by text finds (set_known_slow). Else
    // every handle holding the key's text holds its one record, so one word compared
    // per entry finds it; a new entry takes the record, with no intern lookup.
    Block* const block = block_;
    if (block != nullptr) {
      const detail::StringRecord* const known = SpanString::interned(known_key);
      value_type* const entries = block->entries();
      const std::uint32_t size = block->size;
      bool owned_keys = false;
      for (std::uint32_t i = 0; i < size; ++i) {
        if (entries[i].first.record() == known) {
          entries[i].second = value;
          return;
        }
        owned_keys |= entries[i].first.owned();
      }
      if (!owned_keys && size != block->capacity) {
        new (entries + size) value_type(SpanString::of_interned(known), value);
        block->size = size + 1;
        return;
      }
    }
    set_known_slow(known_key, value);
  }
  const double* find(std::string_view key) const noexcept {
    const value_type* entry = find_entry(key);
    return entry ? &entry->second : nullptr;
  }
  bool contains(std::string_view key) const noexcept { return find_entry(key) != nullptr; }
  // Removes `key`; true if it was present. The others keep their order.
  bool erase(std::string_view key) { return !empty() && erase_present(key); }

  std::size_t size() const noexcept { return block_ ? block_->size : 0; }
  bool empty() const noexcept { return size() == 0; }
  // Forgets every metric; keeps the block for the next ones.
  void clear() noexcept {
    if (block_ != nullptr && block_->size != 0) destroy_entries();
  }
  // Forgets every metric and frees the block.
  void release_memory() noexcept;
  // Heap bytes held.
  std::size_t heap_bytes() const noexcept {
    return block_ ? sizeof(Block) + block_->capacity * sizeof(value_type) : 0;
  }

  const_iterator begin() const noexcept { return block_ ? block_->entries() : nullptr; }
  const_iterator end() const noexcept {
    return block_ ? block_->entries() + block_->size : nullptr;
  }

 private:
  struct Block {
    std::uint32_t size;
    std::uint32_t capacity;
    // The entries follow the header (16 bytes, so they stay aligned).
    std::uint64_t padding;
    value_type* entries() noexcept { return reinterpret_cast<value_type*>(this + 1); }
    const value_type* entries() const noexcept {
      return reinterpret_cast<const value_type*>(this + 1);
    }
  };

  const value_type* find_entry(std::string_view key) const noexcept {
    for (const value_type& entry : *this) {
      if (entry.first.holds(key)) return &entry;  // sizes first, no memcmp call
    }
    return nullptr;
  }
  // The entry of `key`, or a new one at the end holding `value` with an empty key for
  // the caller to name; null for an existing entry, whose value is then set.
  value_type* set_or_append(std::string_view key, double value);
  void grow();
  // set_known() past its inline case: the first block, growth, or an owned key.
  void set_known_slow(std::uint32_t known_key, double value);
  // erase() once the map has entries.
  bool erase_present(std::string_view key);
  // clear() once the map has entries.
  void destroy_entries() noexcept;

  Block* block_ = nullptr;
};

}  // namespace gatetrace
