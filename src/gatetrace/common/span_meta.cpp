#include "gatetrace/span_meta.h"

#include <algorithm>
#include <string>

namespace gatetrace {
namespace {

// The smallest heap area: a span that outgrows the inline one usually has a few more
// tags to come.
constexpr std::size_t kMinHeapBytes = 384;

}  // namespace

char* Meta::new_area(std::size_t capacity) {
  // Zeroed: Meta::recycled_record() reads the free space.
  char* block = new char[kHeapHeader + capacity]();
  const auto stored = static_cast<std::uint32_t>(capacity);
  std::memcpy(block, &stored, sizeof stored);
  return block + kHeapHeader;
}

void Meta::delete_area(char* area) noexcept {
  if (area != nullptr) delete[](area - kHeapHeader);
}

Meta::Meta(const Meta& other) { copy_live(other); }

Meta::Meta(Meta&& other) noexcept { take(other); }

void Meta::take(Meta& other) noexcept {
  if (other.heap_ != nullptr) {
    heap_ = std::exchange(other.heap_, nullptr);
  } else {
    // Both areas are inline and of the same size: entries and text keep their offsets.
    std::memcpy(inline_, other.inline_, other.size_ * sizeof(Entry));
    std::memcpy(inline_ + other.text_start_, other.inline_ + other.text_start_,
                kInlineBytes - other.text_start_);
  }
  size_ = std::exchange(other.size_, 0);
  text_start_ = std::exchange(other.text_start_, static_cast<std::uint32_t>(kInlineBytes));
  key_bits_ = std::exchange(other.key_bits_, 0);
}

Meta& Meta::operator=(const Meta& other) {
  if (this != &other) copy_live(other);
  return *this;
}

Meta& Meta::operator=(Meta&& other) noexcept {
  if (this != &other) {
    release_memory();
    take(other);
  }
  return *this;
}

void Meta::release_memory() noexcept {
  delete_area(heap_);
  heap_ = nullptr;
  text_start_ = kInlineBytes;
  size_ = 0;
  key_bits_ = 0;
}

std::size_t Meta::live_bytes() const noexcept {
  std::size_t bytes = size_ * sizeof(Entry);
  for (std::size_t i = 0; i < size_; ++i) {
    const Entry e = entry(i);
    bytes += inline_key_size(e) + e.size;
  }
  return bytes;
}

void Meta::copy_live(const Meta& other) {
  const std::size_t live = other.live_bytes();
  clear();
  if (live > capacity()) {
    release_memory();
    heap_ = new_area(live);
    text_start_ = static_cast<std::uint32_t>(live);
  }
  char* area = this->area();
  for (std::size_t i = 0; i < other.size_; ++i) {
    Entry e = other.entry(i);
    const std::uint32_t bytes = inline_key_size(e) + e.size;
    text_start_ -= bytes;
    std::memcpy(area + text_start_, other.area() + e.offset, bytes);
    e.offset = text_start_;
    put_entry(size_++, e);
  }
  key_bits_ = other.key_bits_;
}

std::size_t Meta::index_of_text(std::string_view key) const {
  const std::uint32_t id = SpanString::lookup(key);
  return index_of(id, key_bit(id, key), key);
}

bool Meta::erase(std::string_view key) {
  const std::size_t i = index_of_text(key);
  if (i == kNotFound) return false;
  // The entries after it move up one; its text stays behind until the area is copied.
  char* area = this->area();
  std::memmove(area + i * sizeof(Entry), area + (i + 1) * sizeof(Entry),
               (size_ - i - 1) * sizeof(Entry));
  --size_;
  return true;
}

void Meta::reserve_room(std::size_t entries, std::size_t text) {
  const std::size_t wanted = entries * sizeof(Entry) + text;
  if (free_bytes() >= wanted) return;
  // Twice what will be live, so that a run of growing overwrites copies the area only
  // every so often, and dead text never takes more than the live does.
  const std::size_t capacity = std::max(kMinHeapBytes, 2 * (live_bytes() + wanted));
  char* block = new_area(capacity);
  auto text_start = static_cast<std::uint32_t>(capacity);
  for (std::size_t i = 0; i < size_; ++i) {
    Entry e = entry(i);
    const std::uint32_t bytes = inline_key_size(e) + e.size;
    text_start -= bytes;
    std::memcpy(block + text_start, area() + e.offset, bytes);
    e.offset = text_start;
    std::memcpy(block + i * sizeof(Entry), &e, sizeof(Entry));
  }
  delete_area(heap_);
  heap_ = block;
  text_start_ = text_start;
}

void Meta::set_slow(std::string_view key, std::string_view value) {
  const std::uint32_t id = SpanString::intern_guarded(key);
  set_by_id(id, key_bit(id, key), key, value);
}

void Meta::set_known_slow(std::uint32_t known_key, std::string_view value) {
  set_by_id(known_key, known_key_bit(known_key), known_text(known_key), value);
}

void Meta::set_other(std::uint32_t id, std::uint32_t bit, std::size_t found, std::string_view key,
                     std::string_view value) {
  if (found != kNotFound) {
    Entry e = entry(found);
    const std::uint32_t key_size = inline_key_size(e);
    if (value.size() <= e.size) {
      // Over the old value, in place (memmove: `value` may be part of it).
      if (!value.empty()) std::memmove(area() + e.offset + key_size, value.data(), value.size());
      e.size = static_cast<std::uint32_t>(value.size());
      put_entry(found, e);
      return;
    }
    // Longer: the key (when kept here) and the new value go to fresh text at the back.
    if (free_bytes() < key_size + value.size()) {
      if (holds(value)) {
        const std::string copy(value);  // growing frees the text `value` points into
        set_other(id, bit, found, key, copy);
        return;
      }
      reserve_room(0, key_size + value.size());
      e = entry(found);
    }
    char* area = this->area();
    text_start_ -= key_size + static_cast<std::uint32_t>(value.size());
    const std::uint32_t offset = text_start_;
    std::memcpy(area + offset, area + e.offset, key_size);
    if (!value.empty()) std::memcpy(area + offset + key_size, value.data(), value.size());
    e.offset = offset;
    e.size = static_cast<std::uint32_t>(value.size());
    put_entry(found, e);
    return;
  }
  // A new tag.
  const std::uint32_t key_size = id != 0 ? 0 : static_cast<std::uint32_t>(key.size());
  const std::size_t text = key_size + value.size();
  if (free_bytes() < sizeof(Entry) + text) {
    if (holds(value) || holds(key)) {
      const std::string key_copy(key);
      const std::string value_copy(value);
      set_other(id, bit, found, key_copy, value_copy);
      return;
    }
    reserve_room(1, text);
  }
  char* area = this->area();
  text_start_ -= static_cast<std::uint32_t>(text);
  const std::uint32_t offset = text_start_;
  if (key_size != 0) std::memcpy(area + offset, key.data(), key_size);
  if (!value.empty()) std::memcpy(area + offset + key_size, value.data(), value.size());
  put_entry(size_++, Entry{id != 0 ? key_word(id, key.size()) : (kInlineKey | key_size), offset,
                           static_cast<std::uint32_t>(value.size())});
  // A key kept in the area has the bit its text will have once interned.
  key_bits_ |= id != 0 ? bit : bit | kAreaKeyBit;
}

}  // namespace gatetrace
