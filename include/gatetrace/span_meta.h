// Meta: a span's string tags (the payload's `meta`), unique keys in insertion order.
//
// Stored flat, with no allocation per tag: one byte area holds fixed 12-byte entries
// from its front and the tags' text from its back. An entry names its key by intern id
// (span_string.h: keys are few and repeat across spans, so their text is stored once
// per process) and its value by offset and length in the area. A key the intern table
// does not take (too long, the table full, or not yet seen twice by the doorkeeper) is
// stored in the area too, before its value. An entry's key word holds the id and the
// key's length, so a lookup compares one word per entry (and text only for keys kept in
// the area of the same length, when the map may hold any), after a 32-bit filter of the
// keys present, by a bit of each key's text (the tracer's and the HTTP helper's keys each
// have their own). The first kInlineBytes of area are inside the Meta itself, so inside
// the SpanData: a span with a handful of short tags allocates nothing for them. A larger
// area is one heap block, which a recycled span keeps (see span_pool.h). Text that is
// overwritten or erased stays in place until the area is next copied (when it grows),
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

#include "gatetrace/span_keys.h"
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
    if (value.size() <= kInlineValueBytes && free_bytes() >= sizeof(Entry) + value.size()) {
      const detail::StringRecord* record = recycled_record(area + size_ * sizeof(Entry), key);
      if (record != nullptr && (key_bits_ & key_bit(record)) == 0) {
        append(area, key_word(record->id, key.size()), key_bit(record), value);
        return;
      }
    }
    set_slow(key, value);
  }
  // set() for a key of span_keys.h, or any id SpanString::intern() gave (no lookup).
  void set_known(std::uint32_t known_key, std::string_view value) {
    // Inline for a new key and a short value with room for it; for a constant fixed
    // key, the key's word and bit are constants too.
    const std::uint32_t bit = known_key_bit(known_key);
    if ((key_bits_ & bit) == 0 && value.size() <= kInlineValueBytes &&
        free_bytes() >= sizeof(Entry) + value.size()) {
      append(area(), known_key_word(known_key), bit, value);
      return;
    }
    set_known_slow(known_key, value);
  }

  // A run of new tags of fixed keys (span_keys.h) written after one check, as the
  // request helper writes a fresh span's HTTP tags: true when none of the keys whose
  // bits (1 << key) are in `key_bits` is present and `entries` more entries with `text`
  // bytes of values fit in the area as it is. Then an Appender writes up to that many
  // of those keys, each once, exactly as set_known() would one after another.
  bool can_append(std::uint32_t key_bits, std::size_t entries, std::size_t text) const noexcept {
    return (key_bits_ & key_bits) == 0 && free_bytes() >= entries * sizeof(Entry) + text;
  }
  class Appender;

  // The value of `key`, if present (its text is valid until the map next changes).
  TagLookup find(std::string_view key) const {
    const std::size_t i = index_of_text(key);
    if (i == kNotFound) return nullptr;
    return TagLookup(value_of(entry(i)));
  }
  // find() for a key of span_keys.h, or any id SpanString::intern() gave.
  TagLookup find_known(std::uint32_t known_key) const {
    // A fixed key's bit and text are constants; another id's come from one read of its
    // record (the sampler looks up its rules' keys this way on every decision).
    std::uint32_t bit;
    std::string_view text;
    if (known_key <= span_keys::kCount) {
      bit = std::uint32_t{1} << known_key;
      text = span_keys::kTexts[known_key];
    } else {
      const detail::StringRecord* record = SpanString::interned(known_key);
      bit = key_bit(record);
      text = record->view();
    }
    if ((key_bits_ & bit) == 0) return nullptr;
    const std::uint32_t word = key_word(known_key, text.size());
    if ((key_bits_ & kAreaKeyBit) == 0) {
      // Only interned keys: the entry with the word is the key's, and its value starts
      // at its offset.
      const char* const area = this->area();
      const char* const found = entry_with_word(area, word);
      if (found == nullptr) return nullptr;
      std::uint32_t offset, size;
      std::memcpy(&offset, found + kOffsetAt, sizeof offset);
      std::memcpy(&size, found + kSizeAt, sizeof size);
      return TagLookup(std::string_view(area + offset, size));
    }
    const std::size_t i = index_of_any(word, text);
    if (i == kNotFound) return nullptr;
    return TagLookup(value_of(entry(i)));
  }
  bool contains(std::string_view key) const { return index_of_text(key) != kNotFound; }
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
  // once (cheaper than the iterator, which finds the area and copies the entry per step).
  template <typename F>
  void for_each(F&& f) const {
    for_each_raw(
        [&f](const detail::StringRecord* record, std::string_view key, std::string_view value) {
          f(record != nullptr ? record->view() : key, value);
        });
  }

  // For the encoder, which writes a key from its intern record (see span_encoder.cpp).
  // A tag's key word: kInlineKey | the key's size for a key kept in the area, else
  // interned_key_word(its id, its size).
  static constexpr std::uint32_t kInlineKey = 0x80000000u;
  static constexpr std::uint32_t interned_key_word(std::uint32_t id, std::size_t size) noexcept {
    return key_word(id, size);
  }
  // At least the bytes of all keys and values (for the encoder's bound): the area's text,
  // live or not, and each interned key's length from its entry's key word (a key kept
  // in the area counts up to 255 bytes more there).
  std::size_t text_bytes_bound() const noexcept {
    std::size_t bytes = capacity() - text_start_;
    const char* area = this->area();
    const char* end = area + size_ * sizeof(Entry);
    for (const char* entry = area; entry != end; entry += sizeof(Entry)) {
      std::uint32_t key;
      std::memcpy(&key, entry, sizeof key);
      bytes += (key >> kKeySizeShift) & 0xff;
    }
    return bytes;
  }
  // Calls f(key_word) for each tag, reading the entries only.
  template <typename F>
  void for_each_key_word(F&& f) const {
    const char* area = this->area();
    const char* end = area + size_ * sizeof(Entry);
    for (const char* entry = area; entry != end; entry += sizeof(Entry)) {
      std::uint32_t key;
      std::memcpy(&key, entry, sizeof key);
      f(key);
    }
  }
  // Calls f(key_record, key_text, value) for each tag, in order: key_record is the key's
  // intern record, or null for a key kept in the area, whose text key_text then is.
  template <typename F>
  void for_each_raw(F&& f) const {
    // The end computed once: f's writes through char pointers may alias the map.
    const char* area = this->area();
    const char* end = area + size_ * sizeof(Entry);
    for (const char* entry = area; entry != end; entry += sizeof(Entry)) {
      std::uint32_t key, offset, size;
      std::memcpy(&key, entry, sizeof key);
      std::memcpy(&offset, entry + kOffsetAt, sizeof offset);
      std::memcpy(&size, entry + kSizeAt, sizeof size);
      if (key & kInlineKey) {
        const std::uint32_t key_size = key & ~kInlineKey;
        f(static_cast<const detail::StringRecord*>(nullptr),
          std::string_view(area + offset, key_size),
          std::string_view(area + offset + key_size, size));
      } else {
        f(SpanString::interned(key & kIdMask), std::string_view(),
          std::string_view(area + offset, size));
      }
    }
  }
  // The i-th tag, i < size().
  value_type at(std::size_t i) const {
    const Entry e = entry(i);
    return {key_of(e), value_of(e)};
  }

 private:
  // `key`: key_word(intern id, key's length), or kInlineKey | the key's length when its
  // text is in the area, at `offset`, before the value. `size`: the value's length.
  struct Entry {
    std::uint32_t key;
    std::uint32_t offset;
    std::uint32_t size;
  };
  // Where an entry's fields lie in the area, for the paths that read or write one field
  // instead of copying a whole Entry.
  static constexpr std::size_t kOffsetAt = offsetof(Entry, offset);
  static constexpr std::size_t kSizeAt = offsetof(Entry, size);
  static constexpr std::uint32_t kIdMask = 0xffff;
  static constexpr unsigned kKeySizeShift = 16;
  // An interned key's word: its id, and its length above it (interned texts are at most
  // 200 bytes, so bit 31 stays clear), so that finding a key compares one word with
  // both. With id 0 (a key not interned) no entry has the word: only the id's bits are
  // zero, and the length is cut to 8 bits so that it never reaches kInlineKey.
  static constexpr std::uint32_t key_word(std::uint32_t id, std::size_t size) noexcept {
    static_assert(detail::kMaxInternedStrings <= kIdMask + 1, "ids fit below the length");
    return id | (static_cast<std::uint32_t>(size & 0xff) << kKeySizeShift);
  }
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
  // One of 32 bits for a key's text; key_bits_ holds those of the keys present, so that
  // setting a new tag, or looking up an absent one, usually skips the scan. The bit
  // belongs to the text, not to the id, so that a key kept in the area (no id) has the
  // bit it will have once interned: the fixed keys each have their own (span_keys.h),
  // the others one from a hash of their text (StringRecord::key_info).
  static std::uint32_t key_bit(const detail::StringRecord* record) noexcept {
    return std::uint32_t{1} << record->filter_bit();
  }
  // kAreaKeyBit is set too when a key is kept in the area: while it is clear, every
  // entry's key is interned, and a lookup compares key words only (no test per entry for
  // a key kept in the area, which most maps never hold). A key whose own bit it is sets
  // it as well, which costs only its maps those tests. It needs no field (SpanData's
  // size is held to a memory target) and no upkeep: like the filter, it is cleared with
  // the map, copied and moved with it, and left set by erase().
  static constexpr std::uint32_t kAreaKeyBit = std::uint32_t{1} << 31;
  static_assert(span_keys::kCount < 31, "no fixed key has the area-key bit");
  // The text, bit and key word of a key of span_keys.h (constants for a constant id), or
  // of any id SpanString::intern() gave.
  static std::string_view known_text(std::uint32_t known_key) noexcept {
    return known_key <= span_keys::kCount ? span_keys::kTexts[known_key]
                                          : SpanString::interned(known_key)->view();
  }
  static std::uint32_t known_key_bit(std::uint32_t known_key) noexcept {
    return known_key <= span_keys::kCount ? std::uint32_t{1} << known_key
                                          : key_bit(SpanString::interned(known_key));
  }
  static std::uint32_t known_key_word(std::uint32_t known_key) noexcept {
    return key_word(known_key, known_text(known_key).size());
  }
  // The bit of `key`, whose intern id is `id` (0 when it is not interned).
  static std::uint32_t key_bit(std::uint32_t id, std::string_view key) noexcept {
    return id != 0 ? key_bit(SpanString::interned(id))
                   : std::uint32_t{1} << SpanString::key_bit_of(key);
  }
  static std::uint32_t inline_key_size(const Entry& e) noexcept {
    return (e.key & kInlineKey) ? (e.key & ~kInlineKey) : 0;
  }
  std::string_view key_of(const Entry& e) const noexcept {
    if (e.key & kInlineKey) return {area() + e.offset, e.key & ~kInlineKey};
    return SpanString::interned(e.key & kIdMask)->view();
  }
  std::string_view value_of(const Entry& e) const noexcept {
    return {area() + e.offset + inline_key_size(e), e.size};
  }
  // The record of `key` when the next entry's place still names it from before the last
  // clear(), else null. A recycled span is usually tagged as it was the last time, key by
  // key in the same order: the old entry names the key, and comparing its text costs
  // less than the intern lookup. The place may hold anything (an older entry, old text,
  // zeros): any id whose record holds `key` is `key`'s id.
  // `next`: the next entry's place, inside the free space.
  static const detail::StringRecord* recycled_record(const char* next,
                                                     std::string_view key) noexcept {
    std::uint32_t word;
    std::memcpy(&word, next, sizeof word);
    const detail::StringRecord* record = SpanString::interned(word & kIdMask);
    // Keys over 32 bytes take the lookup (comparing them would call memcmp), and so does
    // the empty key (never interned: id 0's record, the empty text, must not name it):
    // same_short_text() is false for both.
    if (record == nullptr || record->size != key.size() ||
        !detail::same_short_text(record->text(), key)) {
      return nullptr;
    }
    return record;
  }
  // The entry of `key`, whose intern id is `id` (0 when it is not interned) and whose
  // filter bit is `bit`.
  std::size_t index_of(std::uint32_t id, std::uint32_t bit, std::string_view key) const noexcept {
    if ((key_bits_ & bit) == 0) return kNotFound;
    const std::uint32_t word = key_word(id, key.size());
    if ((key_bits_ & kAreaKeyBit) == 0) {
      const char* const area = this->area();
      const char* const found = entry_with_word(area, word);
      return found == nullptr ? kNotFound : static_cast<std::size_t>(found - area) / sizeof(Entry);
    }
    return index_of_any(word, key);
  }
  // The entry whose key word is `word`, or null: when no key is kept in the area, the
  // only entry of a key (each key has one word, and no other key has it). The sampler's
  // rules' tag lookups pay this scan on every decision: it compares words alone, two
  // entries per step (the loop's own test and branch once per pair).
  const char* entry_with_word(const char* area, std::uint32_t word) const noexcept {
    const char* const end = area + size_ * sizeof(Entry);
    const char* entry = area;
    const auto is_word = [word](const char* at) {
      std::uint32_t stored;
      std::memcpy(&stored, at, sizeof stored);
      return stored == word;
    };
    if (size_ & 1) {
      if (is_word(entry)) return entry;
      entry += sizeof(Entry);
    }
    for (; entry != end; entry += 2 * sizeof(Entry)) {
      if (is_word(entry)) return entry;
      if (is_word(entry + sizeof(Entry))) return entry + sizeof(Entry);
    }
    return nullptr;
  }
  // index_of() when keys are kept in the area: `word` is the key's word (with id 0 when
  // the key is not interned).
  std::size_t index_of_any(std::uint32_t word, std::string_view key) const noexcept {
    const char* area = this->area();
    const std::uint32_t inline_key = kInlineKey | static_cast<std::uint32_t>(key.size());
    for (std::size_t i = 0; i < size_; ++i) {
      const char* entry = area + i * sizeof(Entry);
      std::uint32_t stored;
      std::memcpy(&stored, entry, sizeof stored);
      if (stored == word) return i;
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

  // The entry of `key`, found by its text.
  std::size_t index_of_text(std::string_view key) const;

  void set_by_id(std::uint32_t id, std::uint32_t bit, std::string_view key,
                 std::string_view value) {
    const std::size_t found = index_of(id, bit, key);
    // The common case, inline: a new key the table knows, and room for it.
    if (found == kNotFound && id != 0 && free_bytes() >= sizeof(Entry) + value.size()) {
      append(area(), key_word(id, key.size()), bit, value);
      return;
    }
    set_other(id, bit, found, key, value);
  }
  // Adds a tag of an interned key (not present), whose key word is `word` and filter bit
  // `bit`; the caller checked for room.
  void append(char* area, std::uint32_t word, std::uint32_t bit, std::string_view value) noexcept {
    const auto size = static_cast<std::uint32_t>(value.size());
    const std::uint32_t count = size_;
    const std::uint32_t text_start = text_start_ - size;
    char* const entry = area + count * sizeof(Entry);
    // The members first: the value's char stores below could alias them for all the
    // compiler knows, and would make it read them again.
    text_start_ = text_start;
    size_ = count + 1;
    key_bits_ |= bit;
    // Three 32-bit stores: one 64-bit store of the key word and the offset would first
    // shift and or them together (two instructions more).
    std::memcpy(entry, &word, sizeof word);
    std::memcpy(entry + kOffsetAt, &text_start, sizeof text_start);
    std::memcpy(entry + kSizeAt, &size, sizeof size);
    // Free space: it cannot overlap `value`, even when `value` is this map's text.
    detail::move_chars(area + text_start, value.data(), size);
  }
  // set() past its inline case: the key's id from the intern table, then set_by_id().
  void set_slow(std::string_view key, std::string_view value);
  // set_known() past its inline case.
  void set_known_slow(std::uint32_t known_key, std::string_view value);
  // set() for the rest: an existing key (at `found`), a key kept in the area, or no room.
  void set_other(std::uint32_t id, std::uint32_t bit, std::size_t found, std::string_view key,
                 std::string_view value);
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
  char inline_[kInlineBytes] = {};           // zeroed: recycled_record() reads its free space
};

// Writes a run of new tags of fixed keys into a Meta that can_append() them, keeping
// the area, the text's start, the next entry and the keys' bits in locals until the run
// ends (its destruction). Meta::set_known reloads them for every tag, since copying a
// value (char stores) might have changed them. The result is the same, byte for byte,
// as set_known() for each tag in the same order. Nothing may use the Meta meanwhile.
class Meta::Appender {
 public:
  explicit Appender(Meta& meta) noexcept
      : meta_(meta),
        area_(meta.area()),
        entry_(area_ + meta.size_ * sizeof(Entry)),
        text_start_(meta.text_start_),
        size_(meta.size_) {}
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  ~Appender() {
    meta_.text_start_ = text_start_;
    meta_.size_ = size_;
    meta_.key_bits_ |= bits_;
  }

  // set_known(kKey, value).
  template <std::uint32_t kKey>
  void append(std::string_view value) noexcept {
    // Free space: it cannot overlap `value`.
    detail::move_chars(place<kKey>(value.size()), value.data(), value.size());
  }
  // append(value) for a value of `size` bytes that the caller writes at the place
  // returned, before anything else reads the Meta.
  template <std::uint32_t kKey>
  char* place(std::size_t size) noexcept {
    static_assert(kKey >= 1 && kKey <= span_keys::kCount, "a fixed key of span_keys.h");
    const auto value_size = static_cast<std::uint32_t>(size);
    text_start_ -= value_size;
    // The key word is a constant: three 32-bit stores (one of an immediate) cost less
    // than combining it with the offset into a 64-bit word.
    constexpr std::uint32_t kWord = key_word(kKey, span_keys::kTexts[kKey].size());
    std::memcpy(entry_, &kWord, sizeof kWord);
    std::memcpy(entry_ + kOffsetAt, &text_start_, sizeof text_start_);
    std::memcpy(entry_ + kSizeAt, &value_size, sizeof value_size);
    entry_ += sizeof(Entry);
    ++size_;
    bits_ |= std::uint32_t{1} << kKey;
    return area_ + text_start_;
  }

 private:
  Meta& meta_;
  char* const area_;
  char* entry_;
  std::uint32_t text_start_;
  std::uint32_t size_;  // counted, not derived from entry_ (a division by 12)
  std::uint32_t bits_ = 0;
};

}  // namespace gatetrace
