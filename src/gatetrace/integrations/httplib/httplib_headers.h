// The cpp-httplib integration's header adapters: a request's httplib::Headers (a
// multimap ordered by a case-insensitive compare) read as a DictReader, and the trace
// context written into an outgoing request's httplib::Headers. Kept apart from the
// middleware so that tests can check them against the map's own behaviour.
#pragma once

#include <httplib.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/dict_writer.h"

namespace gatetrace::httplib_tracing {

// httplib::Headers as a DictReader. A linear scan with a case-insensitive compare:
// requests have a few dozen headers, and the map's own lookup would build a
// std::string for every key and compare it through tolower() per character.
class HeadersReader : public DictReader {
 public:
  explicit HeadersReader(const httplib::Headers& headers) : headers_(headers) {}
  std::optional<std::string_view> lookup(std::string_view key) const override {
    for (const auto& [name, value] : headers_) {
      if (equals_ignore_case(name, key)) return std::string_view(value);
    }
    return std::nullopt;
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    for (const auto& [name, value] : headers_) visitor(name, value);
  }
  // `lookup` scans the map in the order `visit` passes it, and the views point into the
  // map's nodes, which the request keeps unchanged while it is handled.
  bool visit_is_indexable() const override { return true; }

 protected:
  const httplib::Headers& headers_;
};

// The same reader, which also lays the request's headers out as an array of views, so
// that the request helper indexes them without a std::function call per header (about
// 150 instructions each). A request with more headers than the array holds is read
// through `visit`, as before.
class IndexedHeadersReader : public HeadersReader {
 public:
  static constexpr std::size_t kMaxEntries = 32;

  explicit IndexedHeadersReader(const httplib::Headers& headers) : HeadersReader(headers) {
    if (headers.size() > kMaxEntries) return;
    for (const auto& [name, value] : headers) ::new (&storage_.entries[size_++]) Entry(name, value);
  }
  // Exactly the entries `visit` passes, in its order (the map's).
  Entries indexable_entries() const override {
    if (size_ == 0 && !headers_.empty()) return {};
    return {storage_.entries, size_};
  }

 private:
  // Only the request's headers are constructed: a plain array of pairs would zero all
  // 32 entries (1 KiB) on every request first.
  union Storage {
    Storage() {}
    Entry entries[kMaxEntries];
  };
  static_assert(std::is_trivially_destructible_v<Entry>);
  Storage storage_;
  std::size_t size_ = 0;
};

// Collects the headers an injection sets, then writes them into an outgoing request's
// httplib::Headers at once. Setting them one by one into the map (erase, then emplace)
// cost about 2,000 instructions per header: every step walks the tree comparing names
// through tolower() per character. Written in the map's order with the end as the
// insertion hint, each costs one comparison; names already in the map are erased first
// only when the map has entries. A reused writer's injections set the same names in the
// same order call after call: their names are not written again, and their order in the
// map is sorted out once (about 1,100 instructions per call of the traced client). Into
// an empty map (a call without headers of its own, the usual case), the headers are
// copied from a map the writer keeps with the same names in that order, its values
// overwritten in place: copying a tree compares no names, where inserting compared each
// new name with the last through tolower() per character (about 3,000 instructions for
// the six headers of Datadog + W3C injection).
class InjectedHeaders : public DictWriter {
 public:
  using Entry = std::pair<std::string, std::string>;
  // The headers collected so far.
  struct Entries {
    const Entry* data;
    std::size_t count;
    std::size_t size() const { return count; }
    bool empty() const { return count == 0; }
    const Entry* begin() const { return data; }
    const Entry* end() const { return data + count; }
  };

  InjectedHeaders() { slots_.reserve(8); }

  // A name set again replaces the earlier header, spelling and value (the DictWriter
  // contract). The text is written over a slot's strings, which keep their capacity
  // from one injection to the next when the writer is reused.
  void set(std::string_view key, std::string_view value) override {
    for (std::size_t i = 0; i < size_; ++i) {
      Entry& entry = slots_[i];
      // Sizes first, inline: an injection's names differ in size, so the call is rare.
      if (entry.first.size() == key.size() && equals_ignore_case(entry.first, key)) {
        entry.first.assign(key.data(), key.size());  // the map would keep the later spelling
        sorted_size_ = 0;
        entry.second.assign(value.data(), value.size());
        return;
      }
    }
    if (size_ == slots_.size()) slots_.emplace_back();
    Entry& entry = slots_[size_++];
    // The slot held this name in the last injection too: nothing about the names moved.
    if (entry.first.size() != key.size() ||
        std::char_traits<char>::compare(entry.first.data(), key.data(), key.size()) != 0) {
      entry.first.assign(key.data(), key.size());
      sorted_size_ = 0;
    }
    entry.second.assign(value.data(), value.size());
  }

  Entries entries() const { return {slots_.data(), size_}; }

  // Forgets the collected headers (their slots keep their capacity): a reused writer
  // starts clean even when the previous injection was abandoned midway.
  void clear() { size_ = 0; }

  // Copies the collected headers into `headers`, replacing the entries of the same
  // names (compared case-insensitively, as the map does). Leaves this writer empty,
  // ready for the next injection.
  void move_into(httplib::Headers& headers) {
    if (size_ == 0) return;
    if (!headers.empty()) {
      for (std::size_t i = 0; i < size_; ++i) headers.erase(slots_[i].first);
    }
    if (size_ > kMaxSorted) {
      // More than an injection sets: the map finds each place itself.
      for (std::size_t i = 0; i < size_; ++i) headers.emplace(slots_[i].first, slots_[i].second);
      size_ = 0;
      return;
    }
    // Sorted through indexes: swapping the strings themselves cost more than sorting.
    // The last order still holds when the slots' names are those it was made for.
    if (sorted_size_ != size_) {
      for (std::size_t i = 0; i < size_; ++i) {
        std::size_t j = i;
        for (; j > 0 && less_ignore_case(slots_[i].first, slots_[order_[j - 1]].first); --j) {
          order_[j] = order_[j - 1];
        }
        order_[j] = static_cast<std::uint8_t>(i);
      }
      sorted_size_ = size_;
      kept_is_current_ = false;
    }
    if (headers.empty()) {
      copy_kept_into(headers);
    } else {
      for (std::size_t i = 0; i < size_; ++i) {
        const Entry& entry = slots_[order_[i]];
        headers.emplace_hint(headers.end(), entry.first, entry.second);
      }
    }
    size_ = 0;
  }

 private:
  // Makes `headers` (empty) a copy of `kept_` holding this injection's values: slots_
  // [0, size_) sorted by order_, as the map would order them. The map's keys cannot be
  // rewritten, so a change of names builds `kept_` again (once, not per call).
  void copy_kept_into(httplib::Headers& headers) {
    if (!kept_is_current_) {
      kept_.clear();
      for (std::size_t i = 0; i < size_; ++i) {
        kept_.emplace_hint(kept_.end(), slots_[order_[i]].first, std::string());
      }
      kept_is_current_ = true;
    }
    auto node = kept_.begin();
    for (std::size_t i = 0; i < size_; ++i, ++node) {
      const std::string& value = slots_[order_[i]].second;
      node->second.assign(value.data(), value.size());
    }
    headers = kept_;
  }

  // httplib::detail::ci: lexicographic on the characters' lowercase ASCII.
  static bool less_ignore_case(std::string_view a, std::string_view b) {
    const std::size_t size = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < size; ++i) {
      const unsigned char x = lower(static_cast<unsigned char>(a[i]));
      const unsigned char y = lower(static_cast<unsigned char>(b[i]));
      if (x != y) return x < y;
    }
    return a.size() < b.size();
  }
  static unsigned char lower(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c | 0x20) : c;
  }
  static constexpr std::size_t kMaxSorted = 16;

  // slots_[0, size_) hold this injection's headers; the slots after keep their
  // strings' capacity for later ones.
  std::vector<Entry> slots_;
  std::size_t size_ = 0;
  // order_[0, sorted_size_): the map's order of slots_[0, sorted_size_) by index, valid
  // while those slots keep their names (0: none known).
  std::array<std::uint8_t, kMaxSorted> order_{};
  std::size_t sorted_size_ = 0;
  // The names of slots_[0, sorted_size_) in the map's order, with the last values copied
  // from it; current while those names and their order hold.
  httplib::Headers kept_;
  bool kept_is_current_ = false;
};

}  // namespace gatetrace::httplib_tracing
