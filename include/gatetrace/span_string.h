// SpanString: how a span holds its service, name, resource and type, and the keys of
// its metrics. These texts repeat across spans (a service has a handful of names, a
// handful of tag keys), so each distinct text is stored once, in a process-wide table of
// immutable strings ("interned"), and a span keeps an 8-byte handle to it: no heap
// block and no malloc header per string per span.
//
// The table is bounded (string count, text bytes, and a length limit per string) so that
// high-cardinality texts cannot grow it without limit: a text that is not interned (too
// long, or the table full) is owned by its handle instead, as one heap copy. On the
// request path the tracer assigns with assign_guarded(), which interns a text only once
// this thread has seen it twice (a "doorkeeper"), so that one-off texts (a resource
// naming a user id) never reach the table; they are owned copies, as std::string was.
//
// Finding a text's id costs no lock in the steady state: a per-thread cache keyed by the
// text's address and length (a string literal hits every time; the bytes are compared
// with the stored text, so a reused buffer cannot give a wrong id), then the table's
// lock-free index. Only adding a text takes the table's lock, and once the table is full
// an atomic flag skips even that.
//
// A SpanString reads like a std::string_view: it converts to one implicitly, compares
// with `==` against string literals, std::string and views, and has size()/empty()/
// data(). Its text stays valid as long as the handle holds it (interned text forever).
#pragma once

#include "gatetrace/api.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

namespace gatetrace {
namespace detail {

constexpr std::uint32_t kMaxInternedStrings = 1u << 16;

// A text shorter than this is written to msgpack as a fixstr: one header byte, then the text.
constexpr std::uint32_t kFixstrLimit = 32;

// A length-prefixed, NUL-terminated text. `id` is its index in the intern table, or 0
// for a text owned by one handle.
//
// A text shorter than kFixstrLimit is stored as its msgpack encoding: `msgpack_header`
// (0xa0 | size) sits right before the text, and the record holds kFixstrLimit bytes from
// there (zeros past the NUL). The encoder writes such a text, header included, as one
// fixed-size copy from fixstr_run() (see MsgpackWriter::put_fixstr_run), with no length
// dispatch: tag keys, names and services are almost always this short.
struct StringRecord {
  std::uint32_t size;
  std::uint16_t id;  // ids stay below kMaxInternedStrings
  // The low 5 bits: the text's bit in Meta's key filter, its id for a fixed key
  // (span_keys.h), else SpanString::key_bit_of(text), which a key not interned gets too.
  // The high 3: one of the k*KeyFlag below on the keys of the tags the encoder adds to
  // every span unless present, so that it learns which a span has while writing them.
  std::uint8_t key_info;
  std::uint8_t msgpack_header;  // 0xa0 | size when size < kFixstrLimit, else 0
  // The text follows the record (allocated with it).
  const char* text() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {text(), size}; }
  unsigned filter_bit() const { return key_info & 31u; }
  // The fixstr header and the text, readable for kFixstrLimit bytes; size < kFixstrLimit.
  const char* fixstr_run() const { return text() - 1; }
};
static_assert(sizeof(StringRecord) == 8, "the text follows an 8-byte header");

// StringRecord::key_info flags of the process tags' keys.
constexpr std::uint8_t kLanguageKeyFlag = 0x20;     // "language"
constexpr std::uint8_t kRuntimeIdKeyFlag = 0x40;    // "runtime-id"
constexpr std::uint8_t kBaseServiceKeyFlag = 0x80;  // "_dd.base_service"

// The bytes a record of a `size`-byte text takes (header, text, NUL), at least enough for
// a short text's fixstr run.
constexpr std::size_t string_record_bytes(std::size_t size) {
  const std::size_t exact = sizeof(StringRecord) + size + 1;
  const std::size_t run = sizeof(StringRecord) - 1 + kFixstrLimit;
  return exact > run ? exact : run;
}
// The msgpack_header of a record of a `size`-byte text.
constexpr std::uint8_t fixstr_header(std::size_t size) {
  return size < kFixstrLimit ? static_cast<std::uint8_t>(0xa0 | size) : 0;
}

// Whether `stored` (at least text.size() bytes) holds `text`. Keys and names are
// usually at most 32 bytes: overlapping word compares each way, no memcmp call.
inline bool same_text(const char* stored, std::string_view text) noexcept {
  const std::size_t n = text.size();
  const char* p = text.data();
  if (n >= 16) {
    if (n > 32) return std::memcmp(stored, p, n) == 0;
    std::uint64_t a[4], b[4];
    std::memcpy(a, stored, 16);
    std::memcpy(a + 2, stored + n - 16, 16);
    std::memcpy(b, p, 16);
    std::memcpy(b + 2, p + n - 16, 16);
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
  }
  if (n >= 8) {
    std::uint64_t a, b, c, d;
    std::memcpy(&a, stored, 8);
    std::memcpy(&b, p, 8);
    std::memcpy(&c, stored + n - 8, 8);
    std::memcpy(&d, p + n - 8, 8);
    return ((a ^ b) | (c ^ d)) == 0;
  }
  if (n >= 4) {
    std::uint32_t a, b, c, d;
    std::memcpy(&a, stored, 4);
    std::memcpy(&b, p, 4);
    std::memcpy(&c, stored + n - 4, 4);
    std::memcpy(&d, p + n - 4, 4);
    return ((a ^ b) | (c ^ d)) == 0;
  }
  // 0 to 3 bytes: the first, middle and last cover them all.
  return n == 0 || (stored[0] == p[0] && stored[n / 2] == p[n / 2] && stored[n - 1] == p[n - 1]);
}

// same_text() for the keys Meta::set compares on its inline path: false for a text
// of 0 or over 32 bytes (which that path leaves to the intern lookup), with the checks
// ordered for the usual keys, of 8 to 16 bytes. Each size class sets one difference
// word, tested once, so that the caller branches once on the result.
inline bool same_short_text(const char* stored, std::string_view text) noexcept {
  const std::size_t n = text.size();
  const char* p = text.data();
  std::uint64_t diff;
  if (n >= 8) {
    if (n > 32) return false;
    if (n > 16) {
#if defined(__GNUC__)
      // In vector registers: the caller's path keeps its general registers (no saves).
      typedef std::uint64_t Words __attribute__((vector_size(16)));
      Words a, b, c, d;
      std::memcpy(&a, stored, 16);
      std::memcpy(&b, p, 16);
      std::memcpy(&c, stored + n - 16, 16);
      std::memcpy(&d, p + n - 16, 16);
      const Words x = (a ^ b) | (c ^ d);
      diff = x[0] | x[1];
#else
      std::uint64_t a[4], b[4];
      std::memcpy(a, stored, 16);
      std::memcpy(a + 2, stored + n - 16, 16);
      std::memcpy(b, p, 16);
      std::memcpy(b + 2, p + n - 16, 16);
      diff = (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]);
#endif
    } else {
      std::uint64_t a, b, c, d;
      std::memcpy(&a, stored, 8);
      std::memcpy(&b, p, 8);
      std::memcpy(&c, stored + n - 8, 8);
      std::memcpy(&d, p + n - 8, 8);
      diff = (a ^ b) | (c ^ d);
    }
  } else if (n >= 4) {
    std::uint32_t a, b, c, d;
    std::memcpy(&a, stored, 4);
    std::memcpy(&b, p, 4);
    std::memcpy(&c, stored + n - 4, 4);
    std::memcpy(&d, p + n - 4, 4);
    diff = (a ^ b) | (c ^ d);
  } else {
    if (n == 0) return false;
    // 1 to 3 bytes: the first, middle and last cover them all.
    diff = static_cast<unsigned char>(stored[0] ^ p[0]) |
           static_cast<unsigned char>(stored[n / 2] ^ p[n / 2]) |
           static_cast<unsigned char>(stored[n - 1] ^ p[n - 1]);
  }
  return diff == 0;
}

}  // namespace detail

class GATETRACE_API SpanString {
 public:
  SpanString() noexcept = default;
  // Explicit, so that comparisons with text are not ambiguous; assignment from text is
  // implicit (`span.name = "x";`).
  explicit SpanString(std::string_view text) { assign(text); }
  SpanString(const SpanString& other) { copy_from(other); }
  SpanString(SpanString&& other) noexcept : bits_(std::exchange(other.bits_, 0)) {}
  SpanString& operator=(const SpanString& other) {
    if (this != &other) {
      reset();
      copy_from(other);
    }
    return *this;
  }
  SpanString& operator=(SpanString&& other) noexcept {
    if (this != &other) {
      reset();
      bits_ = std::exchange(other.bits_, 0);
    }
    return *this;
  }
  SpanString& operator=(std::string_view text) {
    assign(text);
    return *this;
  }
  SpanString& operator=(const char* text) { return *this = std::string_view(text); }
  SpanString& operator=(const std::string& text) { return *this = std::string_view(text); }
  ~SpanString() { reset(); }

  // Replaces the text: interned when the table takes it, else an owned copy. Equal
  // text is kept as it is, with no lookup (a recycled span named as before).
  void assign(std::string_view text) {
    if (!holds(text)) assign_id(text, intern(text));
  }
  // assign() for the request path: interns `text` only once this thread has seen it
  // twice (see intern_guarded), else holds an owned copy.
  void assign_guarded(std::string_view text) {
    if (!holds(text)) assign_id(text, intern_guarded(text));
  }
  // Holds the text of `id`, a key of span_keys.h or an id intern() gave: no lookup.
  void assign_known(std::uint32_t id) noexcept {
    const detail::StringRecord* known = interned(id);
    if (record() == known) return;
    reset();
    bits_ = reinterpret_cast<std::uintptr_t>(known);
  }
  // A handle to the text of `record`, the record of an id that intern() gave or of a
  // key of span_keys.h (SpanString::interned): no lookup, no reference to release.
  static SpanString of_interned(const detail::StringRecord* record) noexcept {
    SpanString handle;
    handle.bits_ = reinterpret_cast<std::uintptr_t>(record);
    return handle;
  }
  // True when the handle's text is `text`.
  bool holds(std::string_view text) const noexcept {
    const detail::StringRecord* r = record();
    if (r == nullptr) return text.empty();
    return r->size == text.size() && detail::same_text(r->text(), text);
  }

  std::string_view view() const noexcept {
    const detail::StringRecord* r = record();
    return r ? r->view() : std::string_view();
  }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: implicit
  // Implicit too, so that code that kept these fields in std::strings still compiles.
  operator std::string() const { return std::string(view()); }  // NOLINT: implicit
  std::string str() const { return std::string(view()); }
  const char* data() const noexcept { return record() ? record()->text() : ""; }
  const char* c_str() const noexcept { return data(); }
  std::size_t size() const noexcept { return record() ? record()->size : 0; }
  std::size_t length() const noexcept { return size(); }
  bool empty() const noexcept { return bits_ == 0; }
  const char* begin() const noexcept { return data(); }
  const char* end() const noexcept { return data() + size(); }
  char operator[](std::size_t i) const noexcept { return data()[i]; }

  // The record behind the handle (null when empty): for the encoder, which writes a
  // short text from its fixstr_run().
  const detail::StringRecord* record() const noexcept {
    return reinterpret_cast<const detail::StringRecord*>(bits_ & ~kOwnedBit);
  }

  // The intern table's id of the text, 0 when owned or empty: equal non-zero ids mean
  // equal texts, and different non-zero ids different texts.
  std::uint32_t id() const noexcept { return record() ? record()->id : 0; }
  // True when the handle holds a heap copy of its own.
  bool owned() const noexcept { return (bits_ & kOwnedBit) != 0; }

  // The intern table; thread-safe. intern() gives the id of `text`, adding it if there
  // is room; 0 when it is not interned (longer than the table takes, or the table full).
  static std::uint32_t intern(std::string_view text);
  // intern() behind the doorkeeper: a text not yet in the table is added only if this
  // thread looked it up before (by a hash of the whole text), else 0. For texts that
  // may be of high cardinality (every tag key and span field on the request path).
  static std::uint32_t intern_guarded(std::string_view text);
  // The id of `text` if it is interned, else 0; never adds.
  static std::uint32_t lookup(std::string_view text);
  // The key-filter bit (0..31) of a text that is not a fixed key (see StringRecord::key_info).
  static std::uint8_t key_bit_of(std::string_view text);
  // The record of a non-zero id that intern() returned (or a span_keys.h id). Written
  // once per id, under the table's lock, before the id is published (with release
  // order) in the table's index; read without a lock through ids that were handed out
  // (which orders the read after the write).
  static const detail::StringRecord* interned(std::uint32_t id) noexcept {
    return records_[id].load(std::memory_order_acquire);
  }
  // The record of `id` if it is a valid id, else null: for ids read from memory that
  // may hold anything (see Meta::set).
  static const detail::StringRecord* interned_or_null(std::uint32_t id) noexcept {
    return id < detail::kMaxInternedStrings ? interned(id) : nullptr;
  }

  friend bool operator==(const SpanString& a, const SpanString& b) noexcept {
    return a.bits_ == b.bits_ || a.view() == b.view();
  }
  friend bool operator!=(const SpanString& a, const SpanString& b) noexcept { return !(a == b); }
  friend bool operator==(const SpanString& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(std::string_view a, const SpanString& b) noexcept { return a == b.view(); }
  friend bool operator!=(const SpanString& a, std::string_view b) noexcept { return !(a == b); }
  friend bool operator!=(std::string_view a, const SpanString& b) noexcept { return !(a == b); }
  friend bool operator<(const SpanString& a, const SpanString& b) noexcept {
    return a.view() < b.view();
  }

 private:
  static constexpr std::uintptr_t kOwnedBit = 1;
  void reset() noexcept {
    if (owned()) free_owned();
    bits_ = 0;
  }
  // A heap record holding a copy of `text` (id 0), for a handle to own.
  static const detail::StringRecord* make_owned_record(std::string_view text);
  // Frees the owned record (owned() is true). A member without parameters: it is
  // exported for reset(), and a detail:: type in an exported signature would put an
  // internal name in the shared library's symbols (test/consumer/check_symbols.sh).
  void free_owned() noexcept;

  // By id; null for ids not handed out. Atomic (plain loads and stores on the usual
  // targets) because interned_or_null() may read an id another thread is adding.
  static std::atomic<const detail::StringRecord*> records_[detail::kMaxInternedStrings];
  void assign_owned(std::string_view text);
  void assign_id(std::string_view text, std::uint32_t id) {
    if (id != 0) {
      reset();
      bits_ = reinterpret_cast<std::uintptr_t>(interned(id));
    } else if (text.empty()) {
      reset();
    } else {
      assign_owned(text);
    }
  }
  void copy_from(const SpanString& other) {
    if (other.owned()) {
      assign_owned(other.view());
    } else {
      bits_ = other.bits_;
    }
  }

  std::uintptr_t bits_ = 0;  // a StringRecord*, kOwnedBit set when owned; 0 when empty
};

GATETRACE_API std::ostream& operator<<(std::ostream& out, const SpanString& text);

}  // namespace gatetrace
