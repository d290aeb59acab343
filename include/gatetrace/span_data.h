// SpanData: the plain record of one span, as the tracer keeps it and the encoder writes
// it. Tags live in small flat vectors (a span has a handful; a linear scan over a few
// short strings beats hashing them). Users normally touch spans through `Span`; a
// `Collector` (see collector.h) receives finished SpanData.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gatetrace/clock.h"
#include "gatetrace/trace_id.h"

namespace gatetrace {

// An insertion-ordered map with unique keys, for a span's `meta` (string values) or
// `metrics` (double values).
//
// Erased and cleared entries are kept past `size()` as spare slots, with their strings'
// capacity: the tracer recycles SpanData between traces, and a recycled span then takes
// its tags without allocating. Copies take only the live entries.
template <typename Value>
class FlatMap {
 public:
  using Entry = std::pair<std::string, Value>;

  FlatMap() = default;
  FlatMap(const FlatMap& other) : entries_(other.begin(), other.end()), size_(other.size_) {}
  FlatMap(FlatMap&& other) noexcept
      : entries_(std::move(other.entries_)), size_(std::exchange(other.size_, 0)) {}
  FlatMap& operator=(const FlatMap& other) {
    if (this != &other) {
      clear();
      for (const auto& entry : other) set(entry.first, entry.second);
    }
    return *this;
  }
  FlatMap& operator=(FlatMap&& other) noexcept {
    entries_ = std::move(other.entries_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  template <typename V>
  void set(std::string_view key, V&& value) {
    for (std::size_t i = 0; i < size_; ++i) {
      if (entries_[i].first == key) {
        entries_[i].second = std::forward<V>(value);
        return;
      }
    }
    if (size_ < entries_.size()) {
      Entry& spare = entries_[size_];
      spare.first.assign(key.data(), key.size());
      spare.second = std::forward<V>(value);
    } else {
      entries_.emplace_back(std::string(key), std::forward<V>(value));
    }
    ++size_;
  }

  const Value* find(std::string_view key) const {
    for (std::size_t i = 0; i < size_; ++i) {
      if (entries_[i].first == key) return &entries_[i].second;
    }
    return nullptr;
  }
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  bool erase(std::string_view key) {
    for (std::size_t i = 0; i < size_; ++i) {
      if (entries_[i].first == key) {
        // Keep the order of the others; the erased entry becomes the first spare slot.
        std::rotate(entries_.begin() + i, entries_.begin() + i + 1, entries_.begin() + size_);
        --size_;
        return true;
      }
    }
    return false;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void reserve(std::size_t n) { entries_.reserve(n); }
  void clear() { size_ = 0; }
  // Frees the spare slots too.
  void release_memory() {
    entries_.clear();
    entries_.shrink_to_fit();
    size_ = 0;
  }
  // Heap bytes held, spare slots included (for bounding what a recycled span keeps).
  std::size_t capacity_bytes() const {
    std::size_t bytes = entries_.capacity() * sizeof(Entry);
    for (const auto& entry : entries_) {
      bytes += entry.first.capacity();
      if constexpr (std::is_same_v<Value, std::string>) bytes += entry.second.capacity();
    }
    return bytes;
  }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.begin() + static_cast<std::ptrdiff_t>(size_); }

 private:
  std::vector<Entry> entries_;
  std::size_t size_ = 0;
};

using Meta = FlatMap<std::string>;
using Metrics = FlatMap<double>;

// A link to a span of another trace (e.g. a context extracted in a second propagation
// style that named a different trace). Encoded as the payload's `span_links`.
struct SpanLink {
  TraceId trace_id;
  std::uint64_t span_id = 0;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string tracestate;
  std::optional<std::uint32_t> flags;  // W3C trace flags, when known
};

struct SpanData {
  TraceId trace_id;
  std::uint64_t span_id = 0;
  std::uint64_t parent_id = 0;  // 0 for a root
  std::string service;
  std::string name;
  std::string resource;
  std::string type;
  TimePoint start;
  std::int64_t duration_ns = 0;
  bool error = false;
  Meta meta;
  Metrics metrics;
  std::vector<SpanLink> links;
};

}  // namespace gatetrace
