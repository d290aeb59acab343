// Text codecs shared by the propagation styles: strict decimal and hexadecimal id
// parsing (no sign, no radix prefix, overflow-checked: a header is never trusted to be
// well formed), allocation-free formatting into a caller's buffer, and the character
// classes the header grammars are built from. Internal to the propagation module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gatetrace/error.h"

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

namespace gatetrace {
namespace propagation {

// Removes HTTP optional whitespace (space and horizontal tab) at both ends. Inline:
// every header value goes through it, and it is nearly always a no-op.
inline std::string_view trim_ows(std::string_view text) noexcept {
  // Both ends above ' ' (the usual value): one comparison per end, not two loops.
  if (!text.empty() && static_cast<unsigned char>(text.front()) > ' ' &&
      static_cast<unsigned char>(text.back()) > ' ') {
    return text;
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The position of the first `c` at or after `from`, or text.size(). A plain loop: the
// lists it splits are a few dozen bytes, too short for memchr to pay off.
inline std::size_t find_byte(std::string_view text, char c, std::size_t from) noexcept {
  while (from < text.size() && text[from] != c) ++from;
  return from;
}

// Unsigned decimal, 1 to 20 digits, no sign or spaces; nullopt on overflow.
std::optional<std::uint64_t> parse_decimal_u64(std::string_view text) noexcept;

#if defined(__SSE2__) && defined(__x86_64__)
// Sixteen decimal digits at once (a 64-bit id has 19 or 20 of them, most often): false
// unless every byte is one. Neighbouring lanes are merged as in parse_decimal8, with
// the SSE2 multiplies: digit pairs in 16-bit lanes (first * 10 + second), then 4-digit
// numbers in 32-bit lanes (* 100, pmaddwd), packed to 16 bits and merged into two
// 8-digit numbers (* 10000, pmaddwd again).
inline bool parse_decimal16(const char* text, std::uint64_t& value) noexcept {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text));
  const __m128i digits = _mm_sub_epi8(bytes, _mm_set1_epi8('0'));
  // Unsigned bytes: one below '0' wraps above 9, so min(d, 9) == d only for digits.
  const __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(digits, _mm_set1_epi8(9)), digits);
  if (_mm_movemask_epi8(is_digit) != 0xffff) return false;
  const __m128i firsts = _mm_and_si128(digits, _mm_set1_epi16(0x00ff));
  const __m128i seconds = _mm_srli_epi16(digits, 8);
  const __m128i pairs = _mm_add_epi16(_mm_mullo_epi16(firsts, _mm_set1_epi16(10)), seconds);
  // Each 32-bit constant: the factor for the lane's first half (low 16 bits), 1 for its
  // second half.
  const __m128i quads = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00010000 | 100));
  const __m128i packed = _mm_packs_epi32(quads, quads);
  const __m128i octets = _mm_madd_epi16(packed, _mm_set1_epi32(0x00010000 | 10000));
  const auto both = static_cast<std::uint64_t>(_mm_cvtsi128_si64(octets));
  value = (both & 0xffffffffu) * 100000000u + (both >> 32);
  return true;
}
#endif

// What parse_decimal_u64 answers for 16 to 20 bytes (`text` has that many): up to 4
// leading digits one at a time (below 10^4, so no overflow yet), the last 16 at once;
// scaling and adding them is checked, which covers a 20-digit value above UINT64_MAX.
inline bool parse_decimal16_to_20(std::string_view text, std::uint64_t& value) noexcept {
#if defined(__SSE2__) && defined(__x86_64__)
  const std::size_t leading = text.size() - 16;
  std::uint64_t lead = 0;
  for (std::size_t i = 0; i < leading; ++i) {
    const auto digit = static_cast<unsigned char>(text[i] - '0');
    if (digit > 9) return false;
    lead = lead * 10 + digit;
  }
  std::uint64_t last16;
  return parse_decimal16(text.data() + leading, last16) &&
         !__builtin_mul_overflow(lead, std::uint64_t{10000000000000000}, &lead) &&
         !__builtin_add_overflow(lead, last16, &value);
#else
  const auto parsed = parse_decimal_u64(text);
  if (parsed) value = *parsed;
  return parsed.has_value();
#endif
}

// parse_decimal_u64 of a header's 64-bit id: the usual 16 to 20 digits inline (a call
// and the optional's trip through memory cost about a sixth of the parse), any other
// length by the call.
inline std::optional<std::uint64_t> parse_decimal_id(std::string_view text) noexcept {
  if (text.size() - 16 <= 4) {
    std::uint64_t value;
    if (!parse_decimal16_to_20(text, value)) return std::nullopt;
    return value;
  }
  return parse_decimal_u64(text);
}
// The value of eight decimal digits in a little-endian word (its byte 0 the first, most
// significant, digit); false unless every byte is a digit.
inline bool decimal8_value(std::uint64_t bytes, std::uint32_t& value) noexcept {
  if constexpr (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) bytes = __builtin_bswap64(bytes);
  // A digit is 0x30..0x39: its high nibble is 3, and still 3 after adding 6. A byte
  // whose sum carries into its neighbour is 0xfa or more and fails the first test.
  constexpr std::uint64_t kHighNibbles = 0xf0f0f0f0f0f0f0f0u;
  if (((bytes & kHighNibbles) | (((bytes + 0x0606060606060606u) & kHighNibbles) >> 4)) !=
      0x3333333333333333u) {
    return false;
  }
  // Neighbouring lanes merged pairwise, three times: digits into 2-digit numbers in
  // 16-bit lanes (first * 10 + second), those into 4-digit numbers in 32-bit lanes
  // (* 100), and those into the 8-digit value (* 10000). Each multiplication adds the
  // lane shifted up by one lane width to the lane times the factor; the sum lands in
  // the upper lane, read out by the shift.
  bytes &= 0x0f0f0f0f0f0f0f0fu;
  bytes = (bytes * (10 * 0x100 + 1)) >> 8;
  bytes = ((bytes & 0x00ff00ff00ff00ffu) * (100 * 0x10000 + 1)) >> 16;
  value = static_cast<std::uint32_t>(((bytes & 0x0000ffff0000ffffu) * (10000 * 0x100000000u + 1)) >>
                                     32);
  return true;
}

// Exactly the 13 bytes at `text` as decimal digits (a Unix time in milliseconds, as
// gateways send it, has 13 from 2001 to 2286): what parse_decimal_u64 answers for them,
// inline, as two words of eight digits (the first padded with three zeros).
inline bool parse_decimal13(const char* text, std::uint64_t& value) noexcept {
  std::uint64_t first;
  std::uint64_t last;
  std::memcpy(&first, text, sizeof first);
  std::memcpy(&last, text + 5, sizeof last);
  if constexpr (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) first = __builtin_bswap64(first);
  // Digits 0 to 4 moved up to bytes 3 to 7 behind "000" (the bytes of the word that
  // belong to the last eight are shifted out).
  first = first << 24 | 0x303030u;
  if constexpr (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) first = __builtin_bswap64(first);
  std::uint32_t high;
  std::uint32_t low;
  if (!decimal8_value(first, high) || !decimal8_value(last, low)) return false;
  value = std::uint64_t{high} * 100000000u + low;
  return true;
}

// Signed decimal that fits an int (an optional leading '-' only).
std::optional<int> parse_decimal_int_any(std::string_view text) noexcept;
// The same; a single digit (a sampling priority, nearly always) without a call.
inline std::optional<int> parse_decimal_int(std::string_view text) noexcept {
  if (text.size() == 1) {
    const auto digit = static_cast<unsigned char>(text[0] - '0');
    if (digit <= 9) return static_cast<int>(digit);
  }
  return parse_decimal_int_any(text);
}

enum class HexCase { kLowerOnly, kAny };
// 1 to 16 hex digits. W3C headers demand lowercase; B3 is read leniently.
std::optional<std::uint64_t> parse_hex_u64(std::string_view text, HexCase hex_case) noexcept;
bool is_hex(std::string_view text, HexCase hex_case) noexcept;
// Exactly the 16 bytes at `text` as lowercase hex digits (a W3C id): what
// parse_hex_u64 answers for them, without the size and case dispatch.
#if defined(__SSE2__) && defined(__x86_64__)
// Sixteen at once, inline (a traceparent holds three ids): every byte checked to be a digit or
// a-f, turned into its nibble, and each pair of nibbles packed into the byte they
// spell; the bytes come out most significant first, hence the byte swap.
inline bool parse_hex16_lowercase(const char* text, std::uint64_t& value) noexcept {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text));
  // A byte is in [low, low + n] when its distance from `low`, wrapping, is n at most:
  // a saturating subtraction of n leaves zero (one range test in two steps, where
  // signed comparisons take four).
  const __m128i from_zero = _mm_sub_epi8(bytes, _mm_set1_epi8('0'));
  const __m128i from_a = _mm_sub_epi8(bytes, _mm_set1_epi8('a'));
  const __m128i zero = _mm_setzero_si128();
  const __m128i digits = _mm_cmpeq_epi8(_mm_subs_epu8(from_zero, _mm_set1_epi8(9)), zero);
  const __m128i letters = _mm_cmpeq_epi8(_mm_subs_epu8(from_a, _mm_set1_epi8(5)), zero);
  if (_mm_movemask_epi8(_mm_or_si128(digits, letters)) != 0xffff) return false;
  // A digit's nibble is its distance from '0'; a letter's is that less 'a' - '0' - 10.
  const __m128i nibbles = _mm_sub_epi8(
      from_zero, _mm_and_si128(letters, _mm_set1_epi8(static_cast<char>('a' - '0' - 10))));
  // Each 16-bit lane holds a pair, the high nibble in its low byte: (high << 4) | low.
  const __m128i pairs = _mm_and_si128(
      _mm_or_si128(_mm_slli_epi16(nibbles, 4), _mm_srli_epi16(nibbles, 8)), _mm_set1_epi16(0xff));
  const __m128i packed = _mm_packus_epi16(pairs, pairs);
  value = __builtin_bswap64(static_cast<std::uint64_t>(_mm_cvtsi128_si64(packed)));
  return true;
}
#else
bool parse_hex16_lowercase(const char* text, std::uint64_t& value) noexcept;
#endif

// Formatting into a caller's buffer, so a header value can be assembled on the stack
// and handed over in one piece; each returns the length of the value. The decimal ones
// may write scratch bytes past it, up to 8 bytes in all, within the buffers these
// constants size.
inline constexpr std::size_t kMaxDecimalDigits = 20;  // UINT64_MAX
inline constexpr std::size_t kMaxIntChars = 11;       // "-2147483648"
std::size_t format_decimal(char* buffer, std::uint64_t value) noexcept;
// Any int; format_int is the same with a sampling priority from 0 to 9 (nearly every
// one injected) written without a call.
std::size_t format_int_any(char* buffer, int value) noexcept;
inline std::size_t format_int(char* buffer, int value) noexcept {
  if (static_cast<unsigned>(value) <= 9) {
    buffer[0] = static_cast<char>('0' + value);
    return 1;
  }
  return format_int_any(buffer, value);
}
// Exactly 16 lowercase hex digits, zero-padded.
#if defined(__SSE2__) && defined(__x86_64__)
// Inline: an injection formats four (traceparent's three ids, _dd.p.tid), and the
// vector steps cost less than a call. All 16 digits at once: the bytes most
// significant first, each split into its two nibbles side by side, and every nibble
// turned into its digit by adding '0', plus the gap from '9' + 1 to 'a' where it is
// above 9.
inline void format_hex16(char* buffer, std::uint64_t value) noexcept {
  const __m128i bytes = _mm_cvtsi64_si128(static_cast<long long>(__builtin_bswap64(value)));
  const __m128i nibble_mask = _mm_set1_epi8(0x0f);
  const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), nibble_mask);
  const __m128i low = _mm_and_si128(bytes, nibble_mask);
  const __m128i nibbles = _mm_unpacklo_epi8(high, low);
  const __m128i letters = _mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9));
  const __m128i digits = _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')),
                                      _mm_and_si128(letters, _mm_set1_epi8('a' - '0' - 10)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(buffer), digits);
}
#else
void format_hex16(char* buffer, std::uint64_t value) noexcept;
#endif

void append_decimal(std::string& out, std::uint64_t value);
void append_int(std::string& out, int value);
// Exactly 16 lowercase hex digits, zero-padded.
void append_hex16(std::string& out, std::uint64_t value);
std::string hex16(std::uint64_t value);

// Every byte in 0x20..0x7E: what may go into a header value without escaping.
bool is_printable_ascii(std::string_view text) noexcept;

// Lowercase ASCII comparison without allocating.
bool iequals(std::string_view a, std::string_view b) noexcept;

// A header value as it may appear in a diagnostic: at most 64 bytes, and bytes outside
// printable ASCII escaped, so a hostile header cannot forge log lines.
std::string quote_for_message(std::string_view value);

// Appends an Error to `diagnostics` when the caller asked for them.
void report(std::vector<Error>* diagnostics, Error::Code code, std::string message);

}  // namespace propagation
}  // namespace gatetrace
