// SpanData: the plain record of one span, as the tracer keeps it and the encoder writes
// it. Tags live in small flat vectors (a span has a handful; a linear scan over a few
// short strings beats hashing them). Users normally touch spans through `Span`; a
// `Collector` (see collector.h) receives finished SpanData.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gatetrace/clock.h"
#include "gatetrace/trace_id.h"

namespace gatetrace {
namespace detail {

// Key equality for the flat maps' linear scans. Comparing the first byte before calling
// memcmp settles most mismatches of equal-length keys without the call.
inline bool same_key(const std::string& stored, std::string_view key) {
  return stored.size() == key.size() &&
         (key.empty() || (stored[0] == key[0] && std::char_traits<char>::compare(
                                                     stored.data(), key.data(), key.size()) == 0));
}

// 16 bytes, for move_chars (one unaligned vector load or store where the target has them).
struct Chars16 {
  std::uint64_t words[2];
};

// memmove for the short strings of tags, inline: the loads come before the stores, so
// `from` may overlap `to`. Texts over 64 bytes go to the library's memmove (ids and
// URLs of 33-64 bytes are common tag values, and a call costs more than the copy).
inline void move_chars(char* to, const char* from, std::size_t n) {
  if (n > 64) {
    std::memmove(to, from, n);
  } else if (n > 32) {
    Chars16 a, b, c, d;
    std::memcpy(&a, from, 16);
    std::memcpy(&b, from + 16, 16);
    std::memcpy(&c, from + n - 32, 16);
    std::memcpy(&d, from + n - 16, 16);
    std::memcpy(to, &a, 16);
    std::memcpy(to + 16, &b, 16);
    std::memcpy(to + n - 32, &c, 16);
    std::memcpy(to + n - 16, &d, 16);
  } else if (n > 16) {
    std::uint64_t a, b, c, d;
    std::memcpy(&a, from, 8);
    std::memcpy(&b, from + 8, 8);
    std::memcpy(&c, from + n - 16, 8);
    std::memcpy(&d, from + n - 8, 8);
    std::memcpy(to, &a, 8);
    std::memcpy(to + 8, &b, 8);
    std::memcpy(to + n - 16, &c, 8);
    std::memcpy(to + n - 8, &d, 8);
  } else if (n >= 8) {
    std::uint64_t a, b;
    std::memcpy(&a, from, 8);
    std::memcpy(&b, from + n - 8, 8);
    std::memcpy(to, &a, 8);
    std::memcpy(to + n - 8, &b, 8);
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, from, 4);
    std::memcpy(&b, from + n - 4, 4);
    std::memcpy(to, &a, 4);
    std::memcpy(to + n - 4, &b, 4);
  } else if (n > 0) {
    const char a = from[0], b = from[n / 2], c = from[n - 1];
    to[0] = a;
    to[n / 2] = b;
    to[n - 1] = c;
  }
}

// `target = value`, cheaper when `target` already holds at least as many characters:
// the text is copied over the old one and the string cut to length (both inline), where
// std::string::assign runs the library's general replace. FlatMap keeps the text of its
// spare slots (erased or cleared entries) for this, so that a recycled span's tags are
// written without a library call. `value` may be a view into `target` itself.
inline void assign_reusing(std::string& target, std::string_view value) {
  if (value.size() <= target.size()) {
    move_chars(target.data(), value.data(), value.size());
    target.erase(value.size());
  } else {
    target.assign(value.data(), value.size());
  }
}

}  // namespace detail

// An insertion-ordered map with unique keys, for a span's `meta` (string values) or
// `metrics` (double values).
//
// Erased and cleared entries are kept past `size()` as spare slots, with their strings'
// capacity and text: the tracer recycles SpanData between traces, and a recycled span
// then takes its tags without allocating, written over the old text (see
// detail::assign_reusing). Copies take only the live entries.
template <typename Value>
class FlatMap {
 public:
  using Entry = std::pair<std::string, Value>;

  FlatMap() = default;
  FlatMap(const FlatMap& other)
      : entries_(other.begin(), other.end()), size_(other.size_), key_bits_(other.key_bits_) {}
  FlatMap(FlatMap&& other) noexcept
      : entries_(std::move(other.entries_)),
        size_(std::exchange(other.size_, 0)),
        key_bits_(std::exchange(other.key_bits_, 0)) {}
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
    key_bits_ = std::exchange(other.key_bits_, 0);
    return *this;
  }

  template <typename V>
  void set(std::string_view key, V&& value) {
    const std::uint32_t bit = key_bit(key);
    if constexpr (kCopiesText<V>) {
      // The common case of a recycled span: a new key, copied into a spare slot whose
      // old key and value are at least as long. Kept small so that it inlines into the
      // caller; everything else is set_other().
      if (!(key_bits_ & bit) && size_ < entries_.size()) {
        Entry& spare = entries_[size_];
        const std::string_view text(value);
        if (key.size() <= spare.first.size() && text.size() <= spare.second.size()) {
          overwrite(spare.first, key);
          overwrite(spare.second, text);
          ++size_;
          key_bits_ |= bit;
          return;
        }
      }
    }
    set_other(key, bit, std::forward<V>(value));
  }

  const Value* find(std::string_view key) const {
    if (!(key_bits_ & key_bit(key))) return nullptr;
    const Entry* entry = const_cast<FlatMap*>(this)->find_entry(key);
    return entry ? &entry->second : nullptr;
  }
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  bool erase(std::string_view key) {
    if (!(key_bits_ & key_bit(key))) return false;
    for (std::size_t i = 0; i < size_; ++i) {
      if (detail::same_key(entries_[i].first, key)) {
        // Keep the order of the others; the erased entry becomes the first spare slot.
        std::rotate(entries_.begin() + i, entries_.begin() + i + 1, entries_.begin() + size_);
        --size_;
        key_bits_ &= kLongText;
        for (const auto& entry : *this) key_bits_ |= key_bit(entry.first);
        return true;
      }
    }
    return false;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void reserve(std::size_t n) { entries_.reserve(n); }
  void clear() {
    size_ = 0;
    key_bits_ &= kLongText;  // the spare slots keep their buffers
  }
  // Frees the spare slots too.
  void release_memory() {
    entries_.clear();
    entries_.shrink_to_fit();
    size_ = 0;
    key_bits_ = 0;
  }
  // Slots held: live entries plus spare ones.
  std::size_t slot_capacity() const { return entries_.capacity(); }
  // True while no string of this map, live or spare, has ever held more than
  // kShortTextBytes: its heap is then bounded by its slot count, which the span pool
  // checks instead of adding up every string's capacity (capacity_bytes()).
  bool all_text_short() const { return !(key_bits_ & kLongText); }
  static constexpr std::size_t kShortTextBytes = 96;
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
  // set() for the other cases: an existing key, no spare slot, a spare slot with
  // shorter text, or a value that is not copied from text. Never inlined: merged into
  // set(), its register use would give the inline path a heavy prologue.
  template <typename V>
  [[gnu::noinline]] void set_other(std::string_view key, std::uint32_t bit, V&& value) {
    if (key_bits_ & bit) {
      if (Entry* entry = find_entry(key)) {
        write_value(entry->second, std::forward<V>(value));
        return;
      }
    }
    if (size_ < entries_.size()) {
      Entry& spare = entries_[size_];
      write_text(spare.first, key);
      write_value(spare.second, std::forward<V>(value));
    } else {
      entries_.emplace_back(std::string(key), std::forward<V>(value));
      note_capacity(entries_.back().first);
      if constexpr (std::is_same_v<Value, std::string>) note_capacity(entries_.back().second);
    }
    ++size_;
    key_bits_ |= bit;
  }

  // Writes `text` over the slot's old text, which is at least as long.
  static void overwrite(std::string& slot, std::string_view text) {
    detail::move_chars(slot.data(), text.data(), text.size());
    slot.erase(text.size());
  }
  // True when set() copies its value as text (write_value's first branch).
  template <typename V>
  static constexpr bool kCopiesText =
      std::is_same_v<Value, std::string>&& std::is_convertible_v<V&&, std::string_view> &&
      !(std::is_same_v<std::decay_t<V>, std::string> && std::is_rvalue_reference_v<V&&>);

  // Writes over a slot's old text when it is long enough (see detail::assign_reusing);
  // only the other path can grow the string.
  void write_text(std::string& slot, std::string_view text) {
    if (text.size() <= slot.size()) {
      detail::move_chars(slot.data(), text.data(), text.size());
      slot.erase(text.size());
    } else {
      slot.assign(text.data(), text.size());
      note_capacity(slot);
    }
  }
  // String copies go through write_text; moved strings and other value types are
  // assigned as usual.
  template <typename V>
  void write_value(Value& slot, V&& value) {
    if constexpr (kCopiesText<V>) {
      write_text(slot, std::string_view(value));
    } else {
      slot = std::forward<V>(value);
      if constexpr (std::is_same_v<Value, std::string>) note_capacity(slot);
    }
  }
  void note_capacity(const std::string& text) {
    if (text.capacity() > kShortTextBytes) key_bits_ |= kLongText;
  }

  // Bit 31 of key_bits_: see all_text_short(). Sticky until release_memory().
  static constexpr std::uint32_t kLongText = std::uint32_t{1} << 31;

  // One of 31 bits for a key (from its length and last byte). `key_bits_` has the bits
  // of the live keys, so most lookups of an absent key (every new tag) skip the scan,
  // whose loads touch one cache line per entry.
  static std::uint32_t key_bit(std::string_view key) {
    const unsigned last = key.empty() ? 0u : static_cast<unsigned char>(key.back());
    const std::uint32_t bit = std::uint32_t{1} << ((key.size() + last * 3) & 31);
    return bit == kLongText ? 1u : bit;  // bit 31 is taken
  }

  Entry* find_entry(std::string_view key) {
    for (std::size_t i = 0; i < size_; ++i) {
      if (detail::same_key(entries_[i].first, key)) return &entries_[i];
    }
    return nullptr;
  }

  std::vector<Entry> entries_;
  std::uint32_t size_ = 0;      // live entries; the rest of entries_ are spare slots
  std::uint32_t key_bits_ = 0;  // see key_bit() and kLongText
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
