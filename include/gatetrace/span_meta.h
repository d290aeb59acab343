// Meta: a span's string tags (the payload's `meta`), unique keys in insertion order.
//
// Stored flat, with no allocation per tag: one byte area holds fixed 12-byte entries
// from its front and the tags' text from its back. An entry names its key by intern id
// (span_string.h: keys are few and repeat across spans, so their text is stored once
// per process) and its value by offset and length in the area. A key the intern table
// does not take (too long, the table full, or not yet seen twice by the doorkeeper) is
// stored in the area too, before its value; lookups compare ids (one 4-byte compare
// per entry), and texts only while the map holds such a key. The first kInlineBytes of area are
// inside the Meta itself, so inside the SpanData: a span with a handful of short tags allocates
// nothing for them. A larger area is one heap block, which a recycled span keeps (see span_pool.h).
// Text that is overwritten or erased stays in place until the area is next copied (when it grows),
// which keeps only the live text: the area stays within about twice what is live.
//
// Reading: `for (const auto& [key, value] : meta)` gives string_views;
// `if (auto value = meta.find(key)) use(*value);` (see TagLookup).
#pragma once

#include "gatetrace/api.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>
#include <utility>

#include "gatetrace/span_string.h"
#include "gatetrace/text_copy.h"

namespace gatetrace {

// What Meta::find returns: reads like a pointer to the value, null when the tag is
// absent (`if (auto v = meta.find(k)) use(*v);`, `meta.find(k) == nullptr`), and like
// an optional (`has_value()`, `value_or()`).
class TagLookup {
 public:
  TagLookup() noexcept = default;
  TagLookup(std::nullptr_t) noexcept {}  // NOLINT: implicit, like a null pointer
  explicit TagLookup(std::string_view value) noexcept : value_(value), found_(true) {}

  explicit operator bool() const noexcept { return found_; }
  bool has_value() const noexcept { return found_; }
  const std::string_view& operator*() const noexcept { return value_; }
  const std::string_view* operator->() const noexcept { return &value_; }
  std::string_view value_or(std::string_view fallback) const noexcept {
    return found_ ? value_ : fallback;
  }

  friend bool operator==(const TagLookup& a, std::nullptr_t) noexcept { return !a.found_; }
  friend bool operator==(std::nullptr_t, const TagLookup& a) noexcept { return !a.found_; }
  friend bool operator!=(const TagLookup& a, std::nullptr_t) noexcept { return a.found_; }
  friend bool operator!=(std::nullptr_t, const TagLookup& a) noexcept { return a.found_; }

 private:
  std::string_view value_;
  bool found_ = false;
};

class GATETRACE_API Meta {
 public:
  // Room for about six tags of 12 + 18 bytes before the area moves to the heap.
  static constexpr std::size_t kInlineBytes = 180;

  using value_type = std::pair<std::string_view, std::string_view>;

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Meta::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = value_type;
    struct pointer {
      value_type entry;
      const value_type* operator->() const { return &entry; }
    };

    const_iterator() = default;
    value_type operator*() const { return meta_->at(index_); }
    pointer operator->() const { return pointer{**this}; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++index_;
      return old;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.index_ == b.index_;
    }
    friend bool operator!=(const const_iterator& a, const const_iterator& b) {
      return a.index_ != b.index_;
    }

   private:
    friend class Meta;
    const_iterator(const Meta* meta, std::size_t index) : meta_(meta), index_(index) {}
    const Meta* meta_ = nullptr;
    std::size_t index_ = 0;
  };
  using iterator = const_iterator;

  Meta() noexcept = default;
  Meta(const Meta& other);
  Meta(Meta&& other) noexcept;
  Meta& operator=(const Meta& other);
  Meta& operator=(Meta&& other) noexcept;
  ~Meta() { release_memory(); }

  // Adds the tag, or replaces the value of an existing one (keeping its place).
  void set(std::string_view key, std::string_view value) {
    // The common case, inline and without a call (so without saving registers): a
    // recycled span tagged as before, a short value with room for it, and a key whose
    // bit is clear (not yet here). Everything else is set_slow().
    char* const area = this->area();
    const std::size_t used = size_ * sizeof(Entry);
    if (value.size() <= kInlineValueBytes && text_start_ >= used + sizeof(Entry) + value.size()) {
      const std::uint32_t id = recycled_id(area + used, key);
      if (id != 0 && (key_bits_ & key_bit(id)) == 0) {
        append(area, id, value);
        return;
      }
    }
    set_slow(key, value);
  }
  // set() for a key of span_keys.h, or any id SpanString::intern() gave (no lookup).
  void set_known(std::uint32_t known_key, std::string_view value) {
    set_by_id(known_key, SpanString::interned(known_key)->view(), value);
  }

  // The value of `key`, if present (its text is valid until the map next changes).
  TagLookup find(std::string_view key) const {
    const std::size_t i = index_of(SpanString::lookup(key), key);
    if (i == kNotFound) return nullptr;
    return TagLookup(value_of(entry(i)));
  }
  // find() for a key of span_keys.h, or any id SpanString::intern() gave.
  TagLookup find_known(std::uint32_t known_key) const {
    const std::size_t i = index_of(known_key, SpanString::interned(known_key)->view());
    if (i == kNotFound) return nullptr;
    return TagLookup(value_of(entry(i)));
  }
  bool contains(std::string_view key) const {
    return index_of(SpanString::lookup(key), key) != kNotFound;
  }
  // Removes `key`; true if it was present. The others keep their order.
  bool erase(std::string_view key);

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // Forgets every tag; keeps the area (a heap block too) for the next ones.
  void clear() noexcept {
    size_ = 0;
    text_start_ = capacity();
    key_bits_ = 0;
  }
  // Forgets every tag and frees a heap block.
  void release_memory() noexcept;
  // Heap bytes held (0 while the inline area suffices).
  std::size_t heap_bytes() const noexcept { return heap_ ? capacity() : 0; }

  const_iterator begin() const noexcept { return const_iterator(this, 0); }
  const_iterator end() const noexcept { return const_iterator(this, size_); }
  // Calls f(key, value) for each tag, in order, with the area and the entries read
  // once: what the encoder uses (cheaper than the iterator, which finds the area and
  // copies the entry per step).
  template <typename F>
  void for_each(F&& f) const {
    const char* area = this->area();
    for (const char* entry = area; entry != area + size_ * sizeof(Entry); entry += sizeof(Entry)) {
      // Field by field, into registers (a whole Entry would go through the stack).
      std::uint32_t key, offset, size;
      std::memcpy(&key, entry, sizeof key);
      std::memcpy(&offset, entry + 4, sizeof offset);
      std::memcpy(&size, entry + 8, sizeof size);
      if (key & kInlineKey) {
        const std::uint32_t key_size = key & ~kInlineKey;
        f(std::string_view(area + offset, key_size),
          std::string_view(area + offset + key_size, size));
      } else {
        const detail::StringRecord* record = SpanString::interned(key);
        f(std::string_view(record->text(), record->size), std::string_view(area + offset, size));
      }
    }
  }
  // The i-th tag, i < size().
  value_type at(std::size_t i) const {
    const Entry e = entry(i);
    return {key_of(e), value_of(e)};
  }

 private:
  // `key`: an intern id, or kInlineKey | the key's length when its text is in the area,
  // at `offset`, before the value. `size`: the value's length.
  struct Entry {
    std::uint32_t key;
    std::uint32_t offset;
    std::uint32_t size;
  };
  static constexpr std::uint32_t kInlineKey = 0x80000000u;
  static constexpr std::size_t kNotFound = ~std::size_t{0};
  // Values up to this size are copied inline by set() (detail::move_chars calls memmove
  // beyond it).
  static constexpr std::size_t kInlineValueBytes = 64;
  // A heap area is preceded by a header holding its capacity (8 bytes, so that the
  // entries stay aligned as in the inline area).
  static constexpr std::size_t kHeapHeader = 8;

  char* area() noexcept { return heap_ ? heap_ : inline_; }
  const char* area() const noexcept { return heap_ ? heap_ : inline_; }
  // Entries are copied in and out with memcpy: the area is plain bytes.
  Entry entry(std::size_t i) const noexcept {
    Entry e;
    std::memcpy(&e, area() + i * sizeof(Entry), sizeof(Entry));
    return e;
  }
  void put_entry(std::size_t i, const Entry& e) noexcept {
    std::memcpy(area() + i * sizeof(Entry), &e, sizeof(Entry));
  }
  std::uint32_t capacity() const noexcept {
    if (heap_ == nullptr) return kInlineBytes;
    std::uint32_t capacity;
    std::memcpy(&capacity, heap_ - kHeapHeader, sizeof capacity);
    return capacity;
  }
  std::size_t free_bytes() const noexcept { return text_start_ - size_ * sizeof(Entry); }
  // One of 32 bits for an id; key_bits_ holds those of the keys present (all of them
  // while a key is kept in the area), so that setting a new tag, or looking up an
  // absent one, usually skips the scan.
  static std::uint32_t key_bit(std::uint32_t id) noexcept { return std::uint32_t{1} << (id & 31); }
  static std::uint32_t inline_key_size(const Entry& e) noexcept {
    return (e.key & kInlineKey) ? (e.key & ~kInlineKey) : 0;
  }
  std::string_view key_of(const Entry& e) const noexcept {
    if (e.key & kInlineKey) return {area() + e.offset, e.key & ~kInlineKey};
    return SpanString::interned(e.key)->view();
  }
  std::string_view value_of(const Entry& e) const noexcept {
    return {area() + e.offset + inline_key_size(e), e.size};
  }
  // The id of `key` when the next entry's place still holds it from before the last
  // clear(), else 0. A recycled span is usually tagged as it was the last time, key by
  // key in the same order: the old entry names the key, and comparing its text costs
  // less than the intern lookup. The place may hold anything (an older entry, old
  // text, zeros): any id whose record holds `key` is `key`'s id.
  // `next`: the next entry's place, inside the free space.
  static std::uint32_t recycled_id(const char* next, std::string_view key) noexcept {
    std::uint32_t id;
    std::memcpy(&id, next, sizeof id);
    const detail::StringRecord* record = SpanString::interned_or_null(id);
    // Keys over 32 bytes take the lookup: same_text() would call memcmp for them.
    if (record == nullptr || record->size != key.size() || key.size() > 32 ||
        !detail::same_text(record->text(), key)) {
      return 0;
    }
    return id;
  }
  // The entry of `key`, whose intern id is `id` (0 when it is not interned).
  std::size_t index_of(std::uint32_t id, std::string_view key) const noexcept {
    if ((key_bits_ & key_bit(id)) == 0) return kNotFound;
    const char* area = this->area();
    const std::uint32_t inline_key = kInlineKey | static_cast<std::uint32_t>(key.size());
    for (std::size_t i = 0; i < size_; ++i) {
      const char* entry = area + i * sizeof(Entry);
      std::uint32_t stored;
      std::memcpy(&stored, entry, sizeof stored);
      if (stored == id) return i;
      // A key kept in the area (of the same size) has no id (nor has `key` when it is
      // not interned, or was not when that entry was written): only its text can tell.
      if (stored == inline_key) {
        std::uint32_t offset;
        std::memcpy(&offset, entry + sizeof stored, sizeof offset);
        if (detail::same_text(area + offset, key)) return i;
      }
    }
    return kNotFound;
  }

  void set_by_id(std::uint32_t id, std::string_view key, std::string_view value) {
    const std::size_t found = index_of(id, key);
    // The common case, inline: a new key the table knows, and room for it.
    if (found == kNotFound && id != 0 && free_bytes() >= sizeof(Entry) + value.size()) {
      append(area(), id, value);
      return;
    }
    set_other(id, found, key, value);
  }
  // Adds a tag of interned key `id` (not present); the caller checked for room.
  void append(char* area, std::uint32_t id, std::string_view value) noexcept {
    const auto size = static_cast<std::uint32_t>(value.size());
    text_start_ -= size;
    // Free space: it cannot overlap `value`, even when `value` is this map's text.
    detail::move_chars(area + text_start_, value.data(), size);
    // The entry as a word (key, offset) and the size: two stores.
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "Entry written as words");
    const std::uint64_t head = id | (std::uint64_t{text_start_} << 32);
    char* entry = area + size_ * sizeof(Entry);
    std::memcpy(entry, &head, sizeof head);
    std::memcpy(entry + sizeof head, &size, sizeof size);
    ++size_;
    key_bits_ |= key_bit(id);
  }
  // set() past its inline case: the key's id from the intern table, then set_by_id().
  void set_slow(std::string_view key, std::string_view value);
  // set() for the rest: an existing key (at `found`), a key kept in the area, or no room.
  void set_other(std::uint32_t id, std::size_t found, std::string_view key, std::string_view value);
  // Makes room for `entries` more entries and `text` more bytes of text, moving the
  // live tags to a larger heap block if needed.
  void reserve_room(std::size_t entries, std::size_t text);
  // Moves `other`'s tags into this map, which holds no heap block; empties `other`.
  void take(Meta& other) noexcept;
  // Bytes the live entries and their text take.
  std::size_t live_bytes() const noexcept;
  // Copies `other`'s live tags into this empty map's area (of at least their size).
  void copy_live(const Meta& other);
  // True when `text` points into this map's area (which growing would free).
  bool holds(std::string_view text) const noexcept {
    const auto at = reinterpret_cast<std::uintptr_t>(text.data());
    const auto a = reinterpret_cast<std::uintptr_t>(area());
    return at >= a && at < a + capacity();
  }
  // A heap area of `capacity` bytes, and its release.
  static char* new_area(std::size_t capacity);
  static void delete_area(char* area) noexcept;

  char* heap_ = nullptr;                     // the area when it outgrew inline_
  std::uint32_t text_start_ = kInlineBytes;  // the text, live or not, is at [text_start_, capacity)
  std::uint32_t size_ = 0;                   // entries
  std::uint32_t key_bits_ = 0;               // see key_bit()
  char inline_[kInlineBytes] = {};           // zeroed: recycled_id() may read its free space
};

}  // namespace gatetrace
