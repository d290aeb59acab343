// SpanData: the plain record of one span, as the tracer keeps it and the encoder writes
// it. Tags live in small flat vectors (a span has a handful; a linear scan over a few
// short strings beats hashing them). Users normally touch spans through `Span`; a
// `Collector` (see collector.h) receives finished SpanData.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gatetrace/clock.h"
#include "gatetrace/trace_id.h"

namespace gatetrace {

// An insertion-ordered map with unique keys, for a span's `meta` (string values) or
// `metrics` (double values).
template <typename Value>
class FlatMap {
 public:
  using Entry = std::pair<std::string, Value>;

  template <typename V>
  void set(std::string_view key, V&& value) {
    for (auto& entry : entries_) {
      if (entry.first == key) {
        entry.second = std::forward<V>(value);
        return;
      }
    }
    entries_.emplace_back(std::string(key), std::forward<V>(value));
  }

  const Value* find(std::string_view key) const {
    for (const auto& entry : entries_) {
      if (entry.first == key) return &entry.second;
    }
    return nullptr;
  }
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  bool erase(std::string_view key) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == key) {
        entries_.erase(it);
        return true;
      }
    }
    return false;
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void reserve(std::size_t n) { entries_.reserve(n); }
  void clear() { entries_.clear(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
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
