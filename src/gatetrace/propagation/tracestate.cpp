#include "tracestate.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "codec.h"
#include "trace_tags.h"
#include "value_buffer.h"

namespace gatetrace {
namespace propagation {
namespace {

// Character classes of the tracestate grammar, one table load per byte.
enum : std::uint8_t {
  kLcAlpha = 1,   // a-z
  kDigit = 2,     // 0-9
  kKeyChar = 4,   // lcalpha, digit, _ - * /
  kValueChar = 8  // 0x20-0x7E but ',' and '='
};

constexpr std::array<std::uint8_t, 256> make_char_classes() {
  std::array<std::uint8_t, 256> classes{};
  for (int c = 0x20; c <= 0x7e; ++c) {
    if (c != ',' && c != '=') classes[c] |= kValueChar;
  }
  for (int c = 'a'; c <= 'z'; ++c) classes[c] |= kLcAlpha | kKeyChar;
  for (int c = '0'; c <= '9'; ++c) classes[c] |= kDigit | kKeyChar;
  for (const char c : {'_', '-', '*', '/'}) classes[static_cast<unsigned char>(c)] |= kKeyChar;
  return classes;
}

constexpr std::array<std::uint8_t, 256> kCharClasses = make_char_classes();

bool has_class(char c, std::uint8_t mask) noexcept {
  return (kCharClasses[static_cast<unsigned char>(c)] & mask) != 0;
}

// Visits the list members of a comma-separated list, OWS trimmed, empty ones skipped
// (the W3C grammar allows them). Stops early when `visit` returns false.
template <typename Visit>
bool for_each_member(std::string_view list, Visit&& visit) {
  std::size_t begin = 0;
  while (begin <= list.size()) {
    // memchr: a tracestate runs to dozens of bytes, where a byte loop costs more.
    const void* comma =
        begin < list.size() ? std::memchr(list.data() + begin, ',', list.size() - begin) : nullptr;
    const std::size_t end =
        comma == nullptr ? list.size()
                         : static_cast<std::size_t>(static_cast<const char*>(comma) - list.data());
    const std::string_view member = trim_ows(list.substr(begin, end - begin));
    if (!member.empty() && !visit(member)) return false;
    begin = end + 1;
  }
  return true;
}

// A list member's key, for the duplicate check. Trivial, so that an array of them is
// left uninitialized (a std::string_view array would zero all 32 on every call): only
// the first `count` are read.
struct MemberKey {
  const char* data;
  std::size_t size;
  bool operator==(std::string_view other) const { return other == std::string_view(data, size); }
};

// Whether the `size` bytes at `a` and `b` are equal. A byte loop, not memcmp: a call
// inside has_key's loop made the member walk save and restore its registers around
// every key check, where keys of equal size are rare and short.
inline bool same_bytes(const char* a, const char* b, std::size_t size) noexcept {
  for (std::size_t i = 0; i < size; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Whether `key` is among the first `count` keys. A plain loop that compares sizes
// first: lists hold a few members, whose keys mostly differ in size.
bool has_key(const MemberKey* keys, std::size_t count, std::string_view key) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    if (keys[i].size == key.size() && same_bytes(keys[i].data, key.data(), key.size())) {
      return true;
    }
  }
  return false;
}

// Splits "key=value"; false when there is no '=' or either side is invalid.
bool split_member(std::string_view member, std::string_view& key, std::string_view& value) {
  const std::size_t equals = find_byte(member, '=', 0);
  if (equals == member.size()) return false;
  key = member.substr(0, equals);
  value = member.substr(equals + 1);
  return is_valid_tracestate_key(key) && is_valid_tracestate_value(value);
}

std::string decode_tilde(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '~', '=');
  return out;
}

// Calls `visit(key, value, field)` for each `key:value` field of a dd member value, in
// order; fields without a key or a ':' are skipped.
template <typename Visit>
void for_each_datadog_field(std::string_view member, Visit&& visit) {
  std::size_t begin = 0;
  while (begin <= member.size()) {
    const std::size_t end = find_byte(member, ';', begin);
    const std::string_view field = member.substr(begin, end - begin);
    begin = end + 1;
    const std::size_t colon = find_byte(field, ':', 0);
    if (colon == field.size() || colon == 0) continue;
    visit(field.substr(0, colon), field.substr(colon + 1), field);
  }
}

bool is_known_datadog_key(std::string_view key) noexcept {
  return key == "s" || key == "o" || key == "p" ||
         (key.size() > 2 && key[0] == 't' && key[1] == '.');
}

bool is_last_parent_id(std::string_view value) noexcept {
  return value.size() == 16 && is_hex(value, HexCase::kLowerOnly);
}

#if defined(__SSE2__)
// Adds the ';' and ':' among the 16 bytes at `block`, which are the bytes `at` to
// `at` + 15 of a dd member, to one bit per byte each.
inline void add_field_delimiters(const char* block, std::size_t at, std::uint64_t& semicolons,
                                 std::uint64_t& colons) noexcept {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
  const auto bits_of = [&](char c) {
    const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(c)));
    return std::uint64_t{static_cast<unsigned>(mask)} << at;
  };
  semicolons |= bits_of(';');
  colons |= bits_of(':');
}

// Whether the two bytes at `p` are `first` then `second`, in one comparison.
inline bool starts_with_pair(const char* p, char first, char second) noexcept {
  std::uint16_t pair;
  std::memcpy(&pair, p, sizeof pair);
  const char expected_bytes[2] = {first, second};
  std::uint16_t expected;
  std::memcpy(&expected, expected_bytes, sizeof expected);
  return pair == expected;
}
#endif

// True when no field of the dd member value `member` has a key other than s, o, p or
// t.* (a field without a key or a ':' has none), i.e. when a kUnknownOnly parse keeps
// nothing. The ';' and ':' of a member up to 64 bytes are found 16 bytes at a time.
// The usual member, whose every field starts with "s:", "o:", "p:" or "t." and a name,
// is then judged by two bytes per field; any other by a walk over its fields as bits.
// False when this cannot tell (a longer member, no SSE2), and the field-by-field parse
// then decides. Inline in both callers: the secondary tracecontext's scan runs it on
// every request, where a call cost a tenth of it.
[[gnu::always_inline]] inline bool has_only_known_datadog_keys(std::string_view member) noexcept {
#if defined(__SSE2__)
  constexpr std::size_t kMaxSize = 64;
  const std::size_t size = member.size();
  if (size == 0) return true;
  if (size > kMaxSize) return false;
  std::uint64_t semicolons = 0;
  std::uint64_t colons = 0;
  if (size >= 16) {
    // Loads inside the member (the usual one, "s:1;p:" and 16 digits, has 20 bytes or
    // more): whole blocks, then the last 16 bytes, overlapping the block before (its
    // bits are the same there).
    std::size_t at = 0;
    for (; at + 16 <= size; at += 16)
      add_field_delimiters(member.data() + at, at, semicolons, colons);
    if (at != size) add_field_delimiters(member.data() + size - 16, size - 16, semicolons, colons);
  } else {
    alignas(16) char bytes[16] = {};
    std::memcpy(bytes, member.data(), size);
    add_field_delimiters(bytes, 0, semicolons, colons);
  }
  const char* const bytes = member.data();
  std::uint64_t starts = (std::uint64_t{1} | semicolons << 1) &
                         (size == kMaxSize ? ~std::uint64_t{0} : (std::uint64_t{1} << size) - 1);
  // The usual fields: a one-byte key s, o or p (its ':' next), or "t." and a byte other
  // than ':' (a t.* key with a name, or no key at all), with that third byte inside the
  // member. Any other start leaves the member to the walk below.
  for (std::uint64_t usual = starts;; usual &= usual - 1) {
    if (usual == 0) return true;
    const auto begin = static_cast<std::size_t>(__builtin_ctzll(usual));
    if (begin + 2 >= size) break;
    const char* const field = bytes + begin;
    if (starts_with_pair(field, 's', ':') || starts_with_pair(field, 'p', ':') ||
        starts_with_pair(field, 'o', ':')) {
      continue;
    }
    if (!starts_with_pair(field, 't', '.') || field[2] == ':') break;
  }
  while (starts != 0) {
    const auto begin = static_cast<std::size_t>(__builtin_ctzll(starts));
    starts &= starts - 1;
    const char first = bytes[begin];
    if (first == ':' || first == ';') continue;  // no key, or an empty field
    const char second = begin + 1 < size ? bytes[begin + 1] : ';';
    if (second == ':') {  // a one-byte key
      if (first == 's' || first == 'o' || first == 'p') continue;
      return false;
    }
    if (first == 't' && second == '.') {
      // t.* is known with a name after the dot: "t.:" has the unknown key "t.".
      if (begin + 2 < size && bytes[begin + 2] == ':') return false;
      continue;
    }
    // Any other key is unknown: the field must have no ':' (then it has no key).
    const std::size_t end =
        starts != 0 ? static_cast<std::size_t>(__builtin_ctzll(starts)) - 1 : size;
    const std::uint64_t field =
        (end == kMaxSize ? ~std::uint64_t{0} : (std::uint64_t{1} << end) - 1) &
        (~std::uint64_t{0} << begin);
    if ((colons & field) != 0) return false;
  }
  return true;
#else
  static_cast<void>(member);
  return false;
#endif
}

void parse_datadog_member(std::string_view member, ParsedTracestate& out, DatadogFields fields) {
  if (fields == DatadogFields::kUnknownOnly && has_only_known_datadog_keys(member)) return;
  for_each_datadog_field(
      member, [&](std::string_view key, std::string_view value, std::string_view field) {
        if (!is_known_datadog_key(key)) {
          if (!out.additional_datadog.empty()) out.additional_datadog.push_back(';');
          out.additional_datadog.append(field);
          return;
        }
        if (fields == DatadogFields::kUnknownOnly) return;
        if (key == "s") {
          if (const auto priority = parse_decimal_int(value)) out.sampling_priority = *priority;
        } else if (key == "o") {
          if (!value.empty()) out.origin = decode_tilde(value);
        } else if (key == "p") {
          if (is_last_parent_id(value)) out.last_parent_id = std::string(value);
        } else {  // t.*
          std::string tag_key(kPropagatingTagPrefix);
          tag_key.append(key.substr(2));
          // traceparent carries the whole trace id; a t.tid could only disagree with it.
          if (tag_key == kTraceIdHighTag) return;
          std::string tag_value = decode_tilde(value);
          if (!is_valid_trace_tag_key(tag_key) || !is_valid_trace_tag_value(tag_value)) return;
          out.trace_tags.emplace_back(std::move(tag_key), std::move(tag_value));
        }
      });
}

// tracestate values must not contain ',' '=' and, inside the dd member, ';' and '~'
// are its own separators and escape: Datadog replaces them with '_' and writes '='
// as '~'. A trailing space is replaced too, since a value must end in a non-blank.
// Byte for byte, so the output is written in place.
void append_dd_value(ValueBuffer& out, std::string_view value) {
  char* p = out.reserve_more(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '=') {
      p[i] = '~';
    } else if (c < 0x20 || c > 0x7e || c == ',' || c == ';' || c == '~' ||
               (c == ' ' && i + 1 == value.size())) {
      p[i] = '_';
    } else {
      p[i] = c;
    }
  }
  out.commit(value.size());
}

// Keys of the dd member's t.* fields also may not hold spaces or ':'.
void append_dd_key(ValueBuffer& out, std::string_view key) {
  char* p = out.reserve_more(key.size());
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool bad =
        c < 0x21 || c > 0x7e || c == ',' || c == ';' || c == '~' || c == '=' || c == ':';
    p[i] = bad ? '_' : c;
  }
  out.commit(key.size());
}

// Appends `;piece` built by `build` when the member stays within its length limit.
template <typename Build>
void append_if_fits(ValueBuffer& out, Build&& build) {
  const std::size_t before = out.size();
  out.push_back(';');
  build(out);
  if (out.size() > kDatadogMemberMaxLength) out.truncate(before);
}

}  // namespace

bool is_valid_tracestate_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > 256) return false;
  // One pass: every byte a key character, but for one '@' between tenant and system.
  std::size_t at = key.size();
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (has_class(key[i], kKeyChar)) continue;
    if (key[i] != '@' || at != key.size()) return false;
    at = i;
  }
  if (at == key.size()) return has_class(key.front(), kLcAlpha);
  const std::size_t system_size = key.size() - at - 1;
  return at > 0 && at <= 241 && has_class(key.front(), kLcAlpha | kDigit) && system_size > 0 &&
         system_size <= 14 && has_class(key[at + 1], kLcAlpha);
}

bool is_valid_tracestate_value(std::string_view value) noexcept {
  if (value.empty() || value.size() > kTracestateMaxValueLength) return false;
  for (const char c : value) {
    if (!has_class(c, kValueChar)) return false;
  }
  return value.back() != ' ';
}

namespace {

// Empties `out` field by field: cheaper than assigning a fresh one, and the strings
// keep their capacity.
void clear(ParsedTracestate& out) {
  out.sampling_priority.reset();
  out.origin.reset();
  out.last_parent_id.reset();
  out.trace_tags.clear();
  out.additional_datadog.clear();
  out.additional_w3c.clear();
  out.datadog_member = {};
}

}  // namespace

namespace {

// Keeps a member that passed validation: the dd member's value aside, the others'
// whole text joined for re-injection.
void keep_member(std::string_view key, std::string_view member, std::string_view value,
                 ParsedTracestate& out) {
  if (key == "dd") {
    out.datadog_member = value;
  } else {
    if (!out.additional_w3c.empty()) out.additional_w3c.push_back(',');
    out.additional_w3c.append(member);
  }
}

// The first byte at or after `p` that no tracestate value may hold (or `end`).
// Sixteen bytes at a time where SSE2 is there: the dd member runs to dozens of bytes.
// The last value of a list is mostly shorter than 16 bytes: when the list itself has 16
// bytes before `end` (from `list_begin`), its last 16 are scanned at once instead, the
// bytes before `p` shifted out of the answer.
#if defined(__SSE2__)
// One bit per byte of the 16 at `p` that no tracestate value may hold.
inline unsigned non_value_bytes(const char* p) noexcept {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed bytes: those from 0x80 up are negative, so below 0x20 too.
  __m128i bad = _mm_or_si128(_mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20)),
                             _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x7f)));
  bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(',')),
                                       _mm_cmpeq_epi8(bytes, _mm_set1_epi8('='))));
  return static_cast<unsigned>(_mm_movemask_epi8(bad));
}
#endif

// Inline: the one-pass member walk calls it for every member.
[[gnu::always_inline]] inline const char* skip_value_chars(const char* const list_begin,
                                                           const char* p,
                                                           const char* const end) noexcept {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const unsigned mask = non_value_bytes(p);
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
  if (p != end && end - list_begin >= 16) {
    const auto before = static_cast<unsigned>(16 - (end - p));  // bytes of the load before p
    const unsigned mask = non_value_bytes(end - 16) >> before;
    return mask != 0 ? p + __builtin_ctz(mask) : end;
  }
#else
  static_cast<void>(list_begin);
#endif
  while (p != end && has_class(*p, kValueChar)) ++p;
  return p;
}

#if defined(__SSE2__)
// One bit per byte of the 16 at `p` that no simple key may hold (a key character is
// a-z, 0-9, '_', '-', '*' or '/').
inline unsigned non_key_bytes(const char* p) noexcept {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // A byte is in [low, high] when its distance from `low`, wrapping, is high - low at
  // most: a saturating subtraction of that leaves zero (two steps, where signed
  // comparisons take four).
  const auto in_range = [&bytes](char low, char high) {
    const __m128i distance = _mm_sub_epi8(bytes, _mm_set1_epi8(low));
    return _mm_cmpeq_epi8(_mm_subs_epu8(distance, _mm_set1_epi8(static_cast<char>(high - low))),
                          _mm_setzero_si128());
  };
  const auto is = [&bytes](char c) { return _mm_cmpeq_epi8(bytes, _mm_set1_epi8(c)); };
  const __m128i key =
      _mm_or_si128(_mm_or_si128(in_range('a', 'z'), in_range('0', '9')),
                   _mm_or_si128(_mm_or_si128(is('_'), is('-')), _mm_or_si128(is('*'), is('/'))));
  return ~static_cast<unsigned>(_mm_movemask_epi8(key)) & 0xffffu;
}
#endif

// The first byte at or after `p` that no simple key may hold (or `end`): as
// skip_value_chars, 16 bytes at a time. A key other than dd's (congo, rojo, a vendor's
// name) would cost a table load and a branch per byte.
[[gnu::always_inline]] inline const char* skip_key_chars(const char* const list_begin,
                                                         const char* p,
                                                         const char* const end) noexcept {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const unsigned mask = non_key_bytes(p);
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
  if (p != end && end - list_begin >= 16) {
    const auto before = static_cast<unsigned>(16 - (end - p));  // bytes of the load before p
    const unsigned mask = non_key_bytes(end - 16) >> before;
    return mask != 0 ? p + __builtin_ctz(mask) : end;
  }
#else
  static_cast<void>(list_begin);
#endif
  while (p != end && has_class(*p, kKeyChar)) ++p;
  return p;
}

// The usual list in one pass over its bytes: simple keys (no `tenant@system`), values
// without tabs, at most 32 members, no duplicates. Calls `visit(key, member, value)`
// for each member, OWS trimmed, until it returns false. False when the list is anything
// else, valid or not, or `visit` refused a member: the general path then decides (what
// was visited so far is to be discarded).
template <typename Visit>
bool for_each_simple_member(std::string_view list, Visit&& visit) {
  MemberKey keys[kTracestateMaxMembers];
  std::size_t count = 0;
  const char* p = list.data();
  const char* const end = p + list.size();
  while (p != end) {
    // OWS around members and empty members between commas are skipped alike.
    if (*p == ',' || *p == ' ' || *p == '\t') {
      ++p;
      continue;
    }
    const char* const key_begin = p;
    if (!has_class(*p, kLcAlpha)) return false;
    if (end - p >= 3 && p[0] == 'd' && p[1] == 'd' && p[2] == '=') {
      p += 2;  // the usual dd member: its key needs no byte loop
    } else {
      p = skip_key_chars(list.data(), p, end);
    }
    if (p == end || *p != '=') return false;
    const std::string_view key(key_begin, static_cast<std::size_t>(p - key_begin));
    const char* const value_begin = ++p;
    // ',' and '=' are no value characters: the scan stops at the member's end, or at
    // a byte that makes it one for the general path.
    p = skip_value_chars(list.data(), p, end);
    if (p != end && *p != ',') return false;
    const char* value_end = p;
    while (value_end != value_begin && value_end[-1] == ' ') --value_end;
    const auto value_size = static_cast<std::size_t>(value_end - value_begin);
    if (value_size == 0 || value_size > kTracestateMaxValueLength || key.size() > 256 ||
        count == kTracestateMaxMembers || has_key(keys, count, key)) {
      return false;
    }
    keys[count++] = MemberKey{key.data(), key.size()};
    if (!visit(key, std::string_view(key_begin, static_cast<std::size_t>(value_end - key_begin)),
               std::string_view(value_begin, value_size))) {
      return false;
    }
  }
  return true;
}

// Any tracestate, member by member, with the reason when it is invalid.
bool split_members(std::string_view header, ParsedTracestate& out, std::string& why) {
  MemberKey keys[kTracestateMaxMembers];
  std::size_t count = 0;
  return for_each_member(header, [&](std::string_view member) {
    std::string_view key;
    std::string_view value;
    if (!split_member(member, key, value)) {
      why = "malformed list member " + quote_for_message(member);
      return false;
    }
    if (count == kTracestateMaxMembers) {
      why = "more than 32 list members";
      return false;
    }
    if (std::find(keys, keys + count, key) != keys + count) {
      why = "duplicate key " + quote_for_message(key);
      return false;
    }
    keys[count++] = MemberKey{key.data(), key.size()};
    keep_member(key, member, value, out);
    return true;
  });
}

}  // namespace

bool parse_tracestate(std::string_view header, ParsedTracestate& out, std::string& why,
                      DatadogFields fields) {
  clear(out);
  if (!for_each_simple_member(
          header, [&](std::string_view key, std::string_view member, std::string_view value) {
            keep_member(key, member, value, out);
            return true;
          })) {
    clear(out);
    if (!split_members(header, out, why)) {
      clear(out);
      return false;
    }
  }
  // A valid dd member's value is never empty.
  if (!out.datadog_member.empty()) parse_datadog_member(out.datadog_member, out, fields);
  return true;
}

bool scan_tidy_tracestate(std::string_view header, std::string_view& datadog_member,
                          std::string_view& others) {
  std::string_view dd;
  const char* others_begin = nullptr;
  const char* others_end = nullptr;
  const bool simple = for_each_simple_member(
      header, [&](std::string_view key, std::string_view member, std::string_view value) {
        if (key == "dd") {
          dd = value;
          return true;
        }
        if (others_begin == nullptr) {
          others_begin = member.data();
        } else if (member.data() != others_end + 1 || *others_end != ',') {
          return false;  // apart in the header: joining them takes a copy
        }
        others_end = member.data() + member.size();
        return true;
      });
  if (!simple || !has_only_known_datadog_keys(dd)) return false;
  datadog_member = dd;
  others =
      others_begin == nullptr
          ? std::string_view()
          : std::string_view(others_begin, static_cast<std::size_t>(others_end - others_begin));
  return true;
}

std::string_view last_parent_id_of(std::string_view datadog_member) {
  std::string_view last;
  for_each_datadog_field(datadog_member,
                         [&](std::string_view key, std::string_view value, std::string_view) {
                           if (key == "p" && is_last_parent_id(value)) last = value;
                         });
  return last;
}

namespace {

// Other vendors' members as extraction keeps them (valid, ','-joined, no `dd`, at most
// 31) go out as they are, checked in one pass and copied at once. False, with nothing
// appended, for any other list.
bool append_tidy_members(std::string_view others, ValueBuffer& out) {
  const char* next = others.data();  // where the next member must start
  std::size_t count = 1;             // our dd member is the first
  const bool tidy = for_each_simple_member(
      others, [&](std::string_view key, std::string_view member, std::string_view) {
        if (member.data() != next || key == "dd" || count == kTracestateMaxMembers) return false;
        ++count;
        next = member.data() + member.size() + 1;
        return true;
      });
  if (!tidy || (!others.empty() && next != others.data() + others.size() + 1)) return false;
  if (!others.empty()) {
    out.push_back(',');
    out.append(others);
  }
  return true;
}

// The last non-empty list of other vendors' members that append_tidy_members took on
// this thread. A trace injects the same members into every outgoing request, so their
// check (a pass over every byte) is done once per text: a list equal to this one byte
// for byte is tidy too. Trivial, so that the thread_local needs no initialization guard.
struct TidyListMemo {
  static constexpr std::size_t kCapacity = 64;
  std::size_t size = 0;  // 0: none
  char text[kCapacity];
};

thread_local TidyListMemo tidy_list_memo;

bool is_last_tidy_list(std::string_view others) noexcept {
  const TidyListMemo& memo = tidy_list_memo;
  return others.size() == memo.size && others.size() != 0 &&
         std::memcmp(others.data(), memo.text, others.size()) == 0;
}

void remember_tidy_list(std::string_view others) noexcept {
  if (others.empty() || others.size() > TidyListMemo::kCapacity) return;
  TidyListMemo& memo = tidy_list_memo;
  std::memcpy(memo.text, others.data(), others.size());
  memo.size = others.size();
}

// Any other list: its valid members, but `dd` and repeated keys, 31 at most.
void append_valid_members(std::string_view others, ValueBuffer& out) {
  MemberKey keys[kTracestateMaxMembers];
  std::size_t count = 1;
  keys[0] = MemberKey{"dd", 2};
  for_each_member(others, [&](std::string_view member) {
    std::string_view key;
    std::string_view value;
    if (!split_member(member, key, value)) return true;
    if (std::find(keys, keys + count, key) != keys + count) return true;
    keys[count++] = MemberKey{key.data(), key.size()};
    out.push_back(',');
    out.append(member);
    return count < kTracestateMaxMembers;
  });
}

}  // namespace

void encode_tracestate(const InjectionContext& context, ValueBuffer& out) {
  char span_hex[16];
  format_hex16(span_hex, context.span_id);
  encode_tracestate(context, span_hex, out);
}

void encode_tracestate(const InjectionContext& context, const char* span_hex, ValueBuffer& out) {
  // The dd member leads, so the length limit counts from the start of the buffer. Its
  // first fields, "dd=s:" priority ";p:" span id, are written through one reservation:
  // no size check per piece.
  constexpr std::size_t kLeadMaxSize = 5 + kMaxIntChars + 3 + 16;
  char* const lead = out.reserve_more(kLeadMaxSize);
  std::memcpy(lead, "dd=s:", 5);
  char* p = lead + 5;
  p += format_int(p, context.sampling_priority);
  std::memcpy(p, ";p:", 3);
  std::memcpy(p + 3, span_hex, 16);
  out.commit(static_cast<std::size_t>(p + 19 - lead));
  if (context.origin != nullptr && !context.origin->empty()) {
    append_if_fits(out, [&](ValueBuffer& o) {
      o.append("o:");
      append_dd_value(o, *context.origin);
    });
  }
  if (context.trace_tags != nullptr) {
    for (const auto& tag : *context.trace_tags) {
      // Named references, not structured bindings: clang 14 cannot capture those.
      const std::string& key = tag.first;
      const std::string& value = tag.second;
      if (key.size() <= kPropagatingTagPrefix.size() ||
          key.compare(0, kPropagatingTagPrefix.size(), kPropagatingTagPrefix) != 0 ||
          key == kTraceIdHighTag || value.empty()) {
        continue;
      }
      append_if_fits(out, [&](ValueBuffer& o) {
        o.append("t.");
        append_dd_key(o, std::string_view(key).substr(kPropagatingTagPrefix.size()));
        o.push_back(':');
        append_dd_value(o, value);
      });
    }
  }
  if (context.additional_datadog_w3c_tracestate != nullptr) {
    const std::string_view extra = *context.additional_datadog_w3c_tracestate;
    std::size_t begin = 0;
    while (begin < extra.size()) {
      const std::size_t end = find_byte(extra, ';', begin);
      const std::string_view field = extra.substr(begin, end - begin);
      begin = end + 1;
      // Only well-formed `key:value` fields that a tracestate value may hold.
      if (find_byte(field, ':', 0) == field.size() || field.front() == ':' ||
          !is_valid_tracestate_value(field)) {
        continue;
      }
      append_if_fits(out, [&](ValueBuffer& o) { o.append(field); });
    }
  }

  if (context.additional_w3c_tracestate == nullptr) return;
  const std::string_view others = *context.additional_w3c_tracestate;
  if (is_last_tidy_list(others)) {
    out.push_back(',');
    out.append(others);
  } else if (append_tidy_members(others, out)) {
    remember_tidy_list(others);
  } else {
    append_valid_members(others, out);
  }
}

void encode_tracestate(const InjectionContext& context, std::string& out) {
  ValueBuffer buffer;
  encode_tracestate(context, buffer);
  out.append(buffer.view());
}

}  // namespace propagation
}  // namespace gatetrace
