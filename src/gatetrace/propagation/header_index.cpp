#include "gatetrace/propagation/header_index.h"

#include <array>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gatetrace {
namespace {

// How a header name is recognized, for every header of every request, in a few
// instructions and without hashing: the name's length and one of its bytes (a byte
// chosen per length, in which the indexed names of that length differ) pick at most one
// candidate from a table; the name is then compared with it as one to four 64-bit
// words. A name of 8 bytes or more is read as its first and last 8 bytes (overlapping
// when shorter than 16), plus the 8 or 16 bytes between them when longer than 16; one of
// 4 to 7 bytes as its first and last 4 bytes in one word; one of 2 or 3 bytes as its
// first and last 2.
//
// Names mostly arrive lowercase (HTTP/2 requires it, and gatetrace's own keys are), so
// the words are compared as they are first. Otherwise each byte is ORed with 0x20 (the
// ASCII case bit) and compared again: for the indexed names, made of lowercase letters,
// digits and '-' only (all of which have that bit set), `b | 0x20 == c` holds exactly
// when `lower(b) == c`, except for the control bytes `c & ~0x20`; a name matching that
// way is therefore rejected when it has a byte below 0x20, which makes the comparison
// exactly DictReader's ASCII-case-insensitive one.

constexpr std::size_t kNameCount = std::size(kIndexedHeaderNames);
constexpr std::size_t kMinSize = 2;
constexpr std::size_t kMaxSize = 32;
constexpr std::uint64_t kCaseBits = 0x2020202020202020ull;
// Stands for the absent last word of short names, and for the bytes of a 2-or-3-byte
// name's word that hold none of its bytes: no control byte, unchanged by the case bit.
constexpr std::uint64_t kFiller = kCaseBits;

constexpr bool is_indexable_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static_assert([] {
  for (std::string_view name : kIndexedHeaderNames) {
    if (name.size() < kMinSize || name.size() > kMaxSize) return false;
    for (char c : name) {
      if (!is_indexable_byte(c)) return false;
    }
  }
  return true;
}());

// The `width` bytes at `p` as an integer, in the machine's byte order: what memcpy
// into an integer gives at run time, computed here at compile time.
constexpr std::uint64_t word_at(const char* p, std::size_t width) {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < width; ++i) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    const std::size_t shift = 8 * (width - 1 - i);
#else
    const std::size_t shift = 8 * i;
#endif
    word |= std::uint64_t{static_cast<unsigned char>(p[i])} << shift;
  }
  return word;
}

// Two half-words (2 or 4 bytes) in one word; for 2-byte halves the other 4 bytes are
// filler. Whatever the byte order, the word's bytes are the halves' bytes and filler.
constexpr std::uint64_t pair_of(std::uint64_t low, std::uint64_t high, std::size_t half_bytes) {
  return low | high << (8 * half_bytes) | (half_bytes == 2 ? kFiller << 32 : 0);
}

struct Words {
  std::uint64_t first = kFiller;
  std::uint64_t last = kFiller;
  std::uint64_t middle[2] = {kFiller, kFiller};  // bytes 8..15, 16..23 of longer names
};

constexpr Words words_of(std::string_view name) {
  const std::size_t size = name.size();
  const char* p = name.data();
  Words words;
  if (size >= 8) {
    words.first = word_at(p, 8);
    words.last = word_at(p + size - 8, 8);
    if (size > 16) words.middle[0] = word_at(p + 8, 8);
    if (size > 24) words.middle[1] = word_at(p + 16, 8);
  } else if (size >= 4) {
    words.first = pair_of(word_at(p, 4), word_at(p + size - 4, 4), 4);
  } else {
    words.first = pair_of(word_at(p, 2), word_at(p + size - 2, 2), 2);
  }
  return words;
}

// The low 5 bits of a byte: the same for both cases of a letter.
constexpr std::uint8_t probe_bits(char c) { return static_cast<std::uint8_t>(c) & 0x1F; }

// The names of one size: which of their bytes tells them apart, and by that byte, the
// slot of the name (1 + its position in kIndexedHeaderNames; 0: none). By the whole
// byte, so that no masking is needed: the bytes of equal probe_bits share a slot.
struct ProbeRow {
  std::array<std::uint8_t, 256> slot{};
  std::uint8_t at = 0;
};

struct Table {
  std::array<Words, kNameCount + 1> words{};  // by slot: of each indexed name, lowercase
  std::array<ProbeRow, kMaxSize + 1> rows{};  // by size
  bool complete = true;                       // a probe byte was found for every size
};

constexpr Table make_table() {
  Table table{};
  for (std::size_t i = 0; i < kNameCount; ++i) {
    table.words[i + 1] = words_of(kIndexedHeaderNames[i]);
  }
  for (std::size_t size = 0; size <= kMaxSize; ++size) {
    bool found = false;
    for (std::size_t at = 0; at < size && !found; ++at) {
      std::array<std::uint8_t, 32> slots{};
      bool distinct = true;
      for (std::size_t i = 0; i < kNameCount && distinct; ++i) {
        const std::string_view name = kIndexedHeaderNames[i];
        if (name.size() != size) continue;
        std::uint8_t& slot = slots[probe_bits(name[at])];
        distinct = slot == 0;
        slot = static_cast<std::uint8_t>(i + 1);
      }
      if (distinct) {
        found = true;
        table.rows[size].at = static_cast<std::uint8_t>(at);
        for (std::size_t byte = 0; byte < 256; ++byte) {
          table.rows[size].slot[byte] = slots[probe_bits(static_cast<char>(byte))];
        }
      }
    }
    if (!found && size >= kMinSize) table.complete = false;
  }
  return table;
}

constexpr Table kTable = make_table();
static_assert(kTable.complete, "every size of indexed names has a byte that tells them apart");

// Each size's row by pointer: finding a name's row is then one load, rather than a
// multiplication and an addition for every header.
constexpr std::array<const ProbeRow*, kMaxSize + 1> make_row_pointers() {
  std::array<const ProbeRow*, kMaxSize + 1> rows{};
  for (std::size_t size = 0; size <= kMaxSize; ++size) rows[size] = &kTable.rows[size];
  return rows;
}

constexpr std::array<const ProbeRow*, kMaxSize + 1> kRowOfSize = make_row_pointers();

// IndexedHeader ids name the entries of kIndexedHeaderNames.
constexpr bool ids_match_names() {
  constexpr std::pair<IndexedHeader, std::string_view> kIds[] = {
      {IndexedHeader::kProxy, "x-dd-proxy"},
      {IndexedHeader::kProxyRequestTimeMs, "x-dd-proxy-request-time-ms"},
      {IndexedHeader::kProxyHttpMethod, "x-dd-proxy-httpmethod"},
      {IndexedHeader::kProxyPath, "x-dd-proxy-path"},
      {IndexedHeader::kProxyDomainName, "x-dd-proxy-domain-name"},
      {IndexedHeader::kProxyRegion, "x-dd-proxy-region"},
      {IndexedHeader::kProxyStage, "x-dd-proxy-stage"},
      {IndexedHeader::kProxyResourcePath, "x-dd-proxy-resource-path"},
      {IndexedHeader::kProxyAccountId, "x-dd-proxy-account-id"},
      {IndexedHeader::kProxyApiId, "x-dd-proxy-api-id"},
      {IndexedHeader::kProxyUser, "x-dd-proxy-user"},
      {IndexedHeader::kUserAgent, "user-agent"},
      {IndexedHeader::kHost, "host"},
      {IndexedHeader::kDatadogTraceId, "x-datadog-trace-id"},
      {IndexedHeader::kDatadogParentId, "x-datadog-parent-id"},
      {IndexedHeader::kDatadogPriority, "x-datadog-sampling-priority"},
      {IndexedHeader::kDatadogOrigin, "x-datadog-origin"},
      {IndexedHeader::kDatadogTags, "x-datadog-tags"},
      {IndexedHeader::kTraceparent, "traceparent"},
      {IndexedHeader::kTracestate, "tracestate"},
      {IndexedHeader::kBaggage, "baggage"},
      {IndexedHeader::kB3TraceId, "x-b3-traceid"},
      {IndexedHeader::kB3SpanId, "x-b3-spanid"},
      {IndexedHeader::kB3Sampled, "x-b3-sampled"},
      {IndexedHeader::kB3Flags, "x-b3-flags"},
      {IndexedHeader::kB3, "b3"},
  };
  for (const auto& [id, name] : kIds) {
    if (kIndexedHeaderNames[static_cast<std::size_t>(id)] != name) return false;
  }
  return true;
}
static_assert(ids_match_names());

template <typename Word>
Word load(const char* p) noexcept {
  Word word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// The first and last words of a name of 2 to 32 bytes, as words_of computes them.
inline void load_ends(const char* p, std::size_t size, std::uint64_t& first,
                      std::uint64_t& last) noexcept {
  if (size >= 8) {
    first = load<std::uint64_t>(p);
    last = load<std::uint64_t>(p + size - 8);
  } else if (size >= 4) {
    first = pair_of(load<std::uint32_t>(p), load<std::uint32_t>(p + size - 4), 4);
    last = kFiller;
  } else {
    first = pair_of(load<std::uint16_t>(p), load<std::uint16_t>(p + size - 2), 2);
    last = kFiller;
  }
}

// Whether a byte of `word` is below 0x20: subtracting 0x20 from each byte borrows into
// bit 7 of the lowest such byte (bytes above it may be misjudged, which does not
// change the answer); bytes with bit 7 already set are masked out by ~word.
bool has_control_byte(std::uint64_t word) noexcept {
  return ((word - 0x0101010101010101ull * 0x20) & ~word & 0x8080808080808080ull) != 0;
}

// A word of the name against the lowercase word of the indexed name, in any case.
bool same_folded(std::uint64_t word, std::uint64_t lowercase) noexcept {
  return (word | kCaseBits) == lowercase && !has_control_byte(word);
}

// The comparison of a name that is not written in lowercase; out of line, as names
// mostly are.
[[gnu::noinline]] bool matches_folded(const char* p, std::size_t size, std::size_t slot) noexcept {
  const Words& indexed = kTable.words[slot];
  std::uint64_t first;
  std::uint64_t last;
  load_ends(p, size, first, last);
  if (!same_folded(first, indexed.first) || !same_folded(last, indexed.last)) return false;
  if (size > 16 && !same_folded(load<std::uint64_t>(p + 8), indexed.middle[0])) return false;
  if (size > 24 && !same_folded(load<std::uint64_t>(p + 16), indexed.middle[1])) return false;
  return true;
}

#if defined(__SSE2__)
// The exact comparison of a name of 8 to 32 bytes, as one or two 16-byte compares
// instead of up to four word compares: a name of 16 bytes or more as its first and last
// 16 bytes (overlapping when shorter than 32), one of 8 to 15 as its first and last 8
// bytes side by side in one register. By slot, as the indexed names read that way.
struct Edges {
  alignas(16) char first[16] = {};
  alignas(16) char last[16] = {};
};

constexpr std::array<Edges, kNameCount + 1> make_edges() {
  std::array<Edges, kNameCount + 1> edges{};
  for (std::size_t i = 0; i < kNameCount; ++i) {
    const std::string_view name = kIndexedHeaderNames[i];
    const std::size_t size = name.size();
    Edges& e = edges[i + 1];
    if (size >= 16) {
      for (std::size_t j = 0; j < 16; ++j) {
        e.first[j] = name[j];
        e.last[j] = name[size - 16 + j];
      }
    } else if (size >= 8) {
      for (std::size_t j = 0; j < 8; ++j) {
        e.first[j] = name[j];
        e.first[8 + j] = name[size - 8 + j];
      }
    }
  }
  return edges;
}

constexpr std::array<Edges, kNameCount + 1> kEdges = make_edges();

// Whether a name of 16 to 32 bytes is, byte for byte, the indexed name of `slot`.
inline bool same_16_to_32(const char* p, std::size_t size, std::size_t slot) noexcept {
  const __m128i same = _mm_and_si128(
      _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                     _mm_load_si128(reinterpret_cast<const __m128i*>(kEdges[slot].first))),
      _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + size - 16)),
                     _mm_load_si128(reinterpret_cast<const __m128i*>(kEdges[slot].last))));
  return _mm_movemask_epi8(same) == 0xffff;
}

// The same for a name of 8 to 15 bytes.
inline bool same_8_to_15(const char* p, std::size_t size, std::size_t slot) noexcept {
  const __m128i ends =
      _mm_unpacklo_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)),
                         _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + size - 8)));
  return _mm_movemask_epi8(_mm_cmpeq_epi8(
             ends, _mm_load_si128(reinterpret_cast<const __m128i*>(kEdges[slot].first)))) == 0xffff;
}
#else
inline bool same_16_to_32(const char* p, std::size_t size, std::size_t slot) noexcept {
  const Words& indexed = kTable.words[slot];
  bool same =
      load<std::uint64_t>(p) == indexed.first && load<std::uint64_t>(p + size - 8) == indexed.last;
  if (size > 16) same &= load<std::uint64_t>(p + 8) == indexed.middle[0];
  if (size > 24) same &= load<std::uint64_t>(p + 16) == indexed.middle[1];
  return same;
}

inline bool same_8_to_15(const char* p, std::size_t size, std::size_t slot) noexcept {
  const Words& indexed = kTable.words[slot];
  return load<std::uint64_t>(p) == indexed.first &&
         load<std::uint64_t>(p + size - 8) == indexed.last;
}
#endif

// The same for a name of 2 to 7 bytes.
inline bool same_2_to_7(const char* p, std::size_t size, std::size_t slot) noexcept {
  std::uint64_t first;
  std::uint64_t last;
  load_ends(p, size, first, last);
  return first == kTable.words[slot].first;  // `last` is the filler on both sides
}

// The candidate slot of a name of 2 to 32 bytes: the one indexed name of its size
// whose probe byte has the same low 5 bits, 0 when there is none.
inline std::size_t candidate_slot(const char* p, std::size_t size) noexcept {
  const ProbeRow& row = *kRowOfSize[size];
  return row.slot[static_cast<unsigned char>(p[row.at])];
}

// The slot of `name` (any case), 0 when it is not indexed. Each size class (16-32,
// 8-15, 2-7 bytes, from the most to the least common among indexed names) has its own
// exact comparison; the candidate of a class is compared in any case only when the
// exact comparison fails (names mostly come lowercase). A candidate is expected to match
// (said to the compiler, which then lays each class's match out as the straight path to
// the entry's recording, rather than a jump to one shared copy of it).
// Inlined into the indexing loop, where it is the whole work.
[[gnu::always_inline]] inline std::size_t find_slot(std::string_view name) noexcept {
  const std::size_t size = name.size();
  const char* p = name.data();
  std::size_t slot;
  // Each test rejects the sizes below its class too: they wrap around.
  if (size - 16 <= kMaxSize - 16) {
    slot = candidate_slot(p, size);
    if (slot == 0) return 0;
    if (__builtin_expect(same_16_to_32(p, size, slot), 1)) return slot;
  } else if (size - 8 < 8) {
    slot = candidate_slot(p, size);
    if (slot == 0) return 0;
    if (__builtin_expect(same_8_to_15(p, size, slot), 1)) return slot;
  } else if (size - kMinSize < 8 - kMinSize) {
    slot = candidate_slot(p, size);
    if (slot == 0) return 0;
    if (__builtin_expect(same_2_to_7(p, size, slot), 1)) return slot;
  } else {
    return 0;
  }
  return matches_folded(p, size, slot) ? slot : 0;
}

// The position of `name` (any case) in kIndexedHeaderNames, -1 when it is not indexed.
inline int find_name(std::string_view name) noexcept {
  return static_cast<int>(find_slot(name)) - 1;
}

}  // namespace

int indexed_header_position(std::string_view name) noexcept { return find_name(name); }

void HeaderIndex::add(std::string_view name, std::string_view value) {
  const std::size_t slot = find_slot(name);
  if (slot == 0) return;
  if (counts_[slot] == 0) values_[slot].set(value);
  if (counts_[slot] < 2) ++counts_[slot];  // any number of entries may be visited
}

// One entry, recorded as index_entries says.
[[gnu::always_inline]] inline void HeaderIndex::record(const Entry& entry) {
  const std::size_t slot = find_slot(entry.first);
  if (slot == 0) return;
  ++counts_[slot];
  values_[slot].set(entry.second);
}

// Records entries [begin, end), from the last to the first, each value overwriting any
// later one's: the first value of a repeated header is the one left, without a test per
// entry. Two entries a turn, which halves the loop's own work. The caller passes at most
// kEntriesPerClamp entries between two clampings.
[[gnu::always_inline]] inline void HeaderIndex::index_entries(const Entry* begin,
                                                              const Entry* end) {
  // After an odd first entry (the count as unsigned: a signed remainder costs more).
  const Entry* const pairs_begin = begin + static_cast<std::size_t>(end - begin) % 2;
  for (; end != pairs_begin; end -= 2) {
    record(end[-1]);
    record(end[-2]);
  }
  if (begin != pairs_begin) record(*begin);
}

void HeaderIndex::clamp_counts() {
  for (std::uint8_t& count : counts_) count = count < 2 ? count : 2;
}

HeaderIndex::HeaderIndex(const DictReader& headers) : headers_(headers) {
  if (!headers.visit_is_indexable()) return;
  indexed_ = true;
  const Entries entries = headers.indexable_entries();
  if (entries.data == nullptr) {
    headers.visit([this](std::string_view name, std::string_view value) { add(name, value); });
    return;
  }
  // The usual request in one run; a longer list in runs from its end, with the counts
  // clamped between them so that a byte never wraps (out of line: the usual run keeps
  // the registers).
  const Entry* const first = entries.data;
  const Entry* end = first + entries.size;
  if (entries.size > kEntriesPerClamp) end = index_all_but_first_run(first, end);
  index_entries(first, end);
}

// Indexes [first, end) but for its first run (at most kEntriesPerClamp entries), which
// it leaves to the caller: returns the run's end.
[[gnu::noinline]] const HeaderIndex::Entry* HeaderIndex::index_all_but_first_run(const Entry* first,
                                                                                 const Entry* end) {
  while (static_cast<std::size_t>(end - first) > kEntriesPerClamp) {
    index_entries(end - kEntriesPerClamp, end);
    clamp_counts();
    end -= kEntriesPerClamp;
  }
  return end;
}

std::optional<std::string_view> HeaderIndex::lookup(std::string_view key) const {
  if (indexed_) {
    const std::size_t slot = find_slot(key);
    if (slot != 0) {
      if (counts_[slot] != 0) return values_[slot].view();
      return std::nullopt;
    }
  }
  return headers_.lookup(key);
}

void HeaderIndex::visit(
    const std::function<void(std::string_view, std::string_view)>& visitor) const {
  headers_.visit(visitor);
}

}  // namespace gatetrace
