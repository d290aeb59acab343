#include "codec.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

namespace gatetrace {
namespace propagation {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Digit values by byte, kNotADigit for a byte that is not a digit of the table's kind:
// one load per character instead of a chain of range tests.
constexpr std::uint8_t kNotADigit = 0xff;
using DigitTable = std::array<std::uint8_t, 256>;

constexpr DigitTable make_hex_table(bool uppercase) {
  DigitTable table{};
  for (auto& entry : table) entry = kNotADigit;
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<std::uint8_t>(c - 'a' + 10);
  if (uppercase) {
    for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<std::uint8_t>(c - 'A' + 10);
  }
  return table;
}

constexpr DigitTable kLowerHex = make_hex_table(false);
constexpr DigitTable kAnyHex = make_hex_table(true);

const DigitTable& hex_table(HexCase hex_case) noexcept {
  return hex_case == HexCase::kAny ? kAnyHex : kLowerHex;
}

std::uint8_t digit_of(const DigitTable& table, char c) noexcept {
  return table[static_cast<unsigned char>(c)];
}

#if !(defined(__SSE2__) && defined(__x86_64__))
// The two lowercase hex digits of every byte, so an id is formatted a byte at a time.
constexpr std::array<char, 512> make_hex_pairs() {
  std::array<char, 512> pairs{};
  for (int byte = 0; byte < 256; ++byte) {
    pairs[2 * byte] = kHexDigits[byte >> 4];
    pairs[2 * byte + 1] = kHexDigits[byte & 0xf];
  }
  return pairs;
}

constexpr std::array<char, 512> kHexPairs = make_hex_pairs();
#endif

constexpr char kDecimalPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

constexpr std::uint64_t kPowersOf10[kMaxDecimalDigits] = {1u,
                                                          10u,
                                                          100u,
                                                          1000u,
                                                          10000u,
                                                          100000u,
                                                          1000000u,
                                                          10000000u,
                                                          100000000u,
                                                          1000000000u,
                                                          10000000000u,
                                                          100000000000u,
                                                          1000000000000u,
                                                          10000000000000u,
                                                          100000000000000u,
                                                          1000000000000000u,
                                                          10000000000000000u,
                                                          100000000000000000u,
                                                          1000000000000000000u,
                                                          10000000000000000000u};

// The number of decimal digits of `value` (1 for 0). The bit length times log10(2)
// (1233 / 4096) is the digit count or one less than it; one comparison tells which.
// Setting the lowest bit makes 0 count as 1 and changes no comparison with a power of
// ten above 1, as those are even.
std::size_t decimal_digits(std::uint64_t value) noexcept {
  const std::uint64_t odd = value | 1;
  const auto bits = static_cast<std::size_t>(64 - __builtin_clzll(odd));
  const std::size_t guess = (bits * 1233) >> 12;
  return guess + (odd >= kPowersOf10[guess] ? 1 : 0);
}

}  // namespace

namespace {

// Eight decimal digits at once (a 64-bit id has up to 20): false unless every byte is
// one.
bool parse_decimal8(const char* text, std::uint32_t& value) noexcept {
  std::uint64_t bytes;
  std::memcpy(&bytes, text, sizeof bytes);
  return decimal8_value(bytes, value);
}

}  // namespace

std::optional<std::uint64_t> parse_decimal_u64(std::string_view text) noexcept {
  if (text.empty() || text.size() > kMaxDecimalDigits) return std::nullopt;
#if defined(__SSE2__) && defined(__x86_64__)
  if (text.size() >= 16) {
    std::uint64_t value;
    if (!parse_decimal16_to_20(text, value)) return std::nullopt;
    return value;
  }
  if (text.size() > 8) {
    // 9 to 15 digits (a millisecond timestamp has 13): the same 16 at once, from a copy
    // that leading zeros pad to 16, made of two 8-byte moves (the last 8 digits, then
    // the first 8 over the zeros and any overlap).
    char padded[16];
    std::memset(padded, '0', sizeof padded);
    std::memcpy(padded + 8, text.data() + text.size() - 8, 8);
    std::memcpy(padded + 16 - text.size(), text.data(), 8);
    std::uint64_t value;
    if (!parse_decimal16(padded, value)) return std::nullopt;
    return value;
  }
#endif
  // The leading digits one at a time, up to a multiple of eight remaining; those eight
  // at a time. At most 7 single digits cannot overflow; the arithmetic on whole words
  // is checked, which covers a 20-digit value above UINT64_MAX.
  const std::size_t size = text.size();
  const std::size_t singles = size % 8;
  std::uint64_t value = 0;
  std::size_t i = 0;
  for (; i < singles; ++i) {
    // Bytes below '0' wrap around to large values: one comparison rejects both sides.
    const auto digit = static_cast<unsigned char>(text[i] - '0');
    if (digit > 9) return std::nullopt;
    value = value * 10 + digit;
  }
  for (; i < size; i += 8) {
    std::uint32_t word;
    if (!parse_decimal8(text.data() + i, word) ||
        __builtin_mul_overflow(value, std::uint64_t{100000000}, &value) ||
        __builtin_add_overflow(value, word, &value)) {
      return std::nullopt;
    }
  }
  return value;
}

std::optional<int> parse_decimal_int_any(std::string_view text) noexcept {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const auto magnitude = parse_decimal_u64(text);
  if (!magnitude) return std::nullopt;
  const auto limit =
      static_cast<std::uint64_t>(std::numeric_limits<int>::max()) + (negative ? 1 : 0);
  if (*magnitude > limit) return std::nullopt;
  if (negative) return static_cast<int>(-static_cast<std::int64_t>(*magnitude));
  return static_cast<int>(*magnitude);
}

namespace {

constexpr std::uint64_t kEachByte = 0x0101010101010101u;
constexpr std::uint64_t kHighBits = 0x8080808080808080u;

// The high bit of every byte of `bytes` (all below 0x80) that lies in [low, high].
// Adding 0x80 - low sets it from `low` up and 0x80 - (high + 1) from past `high`; no
// sum carries into the next byte.
constexpr std::uint64_t bytes_in_range(std::uint64_t bytes, unsigned low, unsigned high) {
  return (bytes + kEachByte * (0x80 - low)) & ~(bytes + kEachByte * (0x80 - high - 1)) & kHighBits;
}

// Eight hex digits at once (ids are 16 or 32 of them): false unless every byte is one.
// Byte 0 of the little-endian word is the first, most significant, digit.
bool parse_hex8(const char* text, HexCase hex_case, std::uint32_t& value) noexcept {
  std::uint64_t bytes;
  std::memcpy(&bytes, text, sizeof bytes);
  if ((bytes & kHighBits) != 0) return false;
  std::uint64_t letters = bytes_in_range(bytes, 'a', 'f');
  if (hex_case == HexCase::kAny) letters |= bytes_in_range(bytes, 'A', 'F');
  if ((bytes_in_range(bytes, '0', '9') | letters) != kHighBits) return false;
  // A digit's value is its low nibble, a letter's its low nibble plus 9.
  std::uint64_t nibbles = (bytes & (kEachByte * 0x0f)) + (letters >> 7) * 9;
  nibbles = ((nibbles & 0x00ff00ff00ff00ffu) << 4) | ((nibbles >> 8) & 0x00ff00ff00ff00ffu);
  nibbles = ((nibbles & 0x0000ffff0000ffffu) << 8) | ((nibbles >> 16) & 0x0000ffff0000ffffu);
  value = static_cast<std::uint32_t>(((nibbles & 0xffffffffu) << 16) | (nibbles >> 32));
  return true;
}

}  // namespace

#if !(defined(__SSE2__) && defined(__x86_64__))
bool parse_hex16_lowercase(const char* text, std::uint64_t& value) noexcept {
  const auto parsed = parse_hex_u64(std::string_view(text, 16), HexCase::kLowerOnly);
  if (parsed) value = *parsed;
  return parsed.has_value();
}
#endif

std::optional<std::uint64_t> parse_hex_u64(std::string_view text, HexCase hex_case) noexcept {
#if defined(__SSE2__) && defined(__x86_64__)
  if (text.size() == 16 && hex_case == HexCase::kLowerOnly) {
    std::uint64_t value;
    if (!parse_hex16_lowercase(text.data(), value)) return std::nullopt;
    return value;
  }
#endif
  if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
    if (text.size() == 16) {
      std::uint32_t high;
      std::uint32_t low;
      if (!parse_hex8(text.data(), hex_case, high) || !parse_hex8(text.data() + 8, hex_case, low)) {
        return std::nullopt;
      }
      return (std::uint64_t{high} << 32) | low;
    }
  }
  if (text.empty() || text.size() > 16) return std::nullopt;
  const DigitTable& table = hex_table(hex_case);
  std::uint64_t value = 0;
  for (const char c : text) {
    const unsigned digit = digit_of(table, c);
    if (digit > 0xf) return std::nullopt;
    value = (value << 4) | digit;
  }
  return value;
}

bool is_hex(std::string_view text, HexCase hex_case) noexcept {
  const DigitTable& table = hex_table(hex_case);
  unsigned seen = 0;
  for (const char c : text) seen |= digit_of(table, c);
  return seen <= 0xf;
}

namespace {

// The 8 decimal digits of `value` (below 10^8, zero-padded) as the bytes of a
// little-endian word, the first digit in the lowest byte. Each step splits every lane
// in two at once: 4-digit halves in 32-bit lanes, then pairs in 16-bit lanes, then
// digits in bytes. The quotients come from multiplications by reciprocals, exact for
// the lanes' ranges (x * 10486 >> 20 == x / 100 for x < 10^4, y * 103 >> 10 == y / 10
// for y < 100), and no lane's product reaches the next lane.
std::uint64_t decimal_digits8(std::uint32_t value) noexcept {
  const std::uint32_t high = value / 10000;
  std::uint64_t lanes = high | (std::uint64_t{value - high * 10000} << 32);
  // Each 32-bit lane x becomes x / 100 in its low half and x % 100 in its high half:
  // (x << 16) - q * (100 << 16) + q.
  const std::uint64_t hundreds = ((lanes * 10486) >> 20) & 0x0000007f0000007fu;
  lanes = (lanes << 16) - hundreds * ((100u << 16) - 1);
  const std::uint64_t tens = ((lanes * 103) >> 10) & 0x000f000f000f000fu;
  lanes = (lanes << 8) - tens * ((10u << 8) - 1);
  return lanes | 0x3030303030303030u;  // '0' in every byte
}

void store8(char* to, std::uint64_t bytes) noexcept { std::memcpy(to, &bytes, sizeof bytes); }

#if defined(__SSE2__) && defined(__x86_64__)
// The 16 decimal digits of `value` (below 10^16, zero-padded), stored at `to`. Both
// 8-digit halves at once: split into four 4-digit numbers (64-bit lanes, one multiply
// by a reciprocal), those into digit pairs and the pairs into digits in 16-bit lanes.
// The reciprocals are exact for the lanes' ranges: x * 0xd1b71759 >> 45 == x / 10000
// for x < 10^8, x * 5243 >> 19 == x / 100 for x < 10^4, y * 6554 >> 16 == y / 10 for
// y < 100 (a test checks every value of each range).
void store_decimal16(char* to, std::uint64_t value) noexcept {
  constexpr std::uint64_t k1e8 = 100000000u;
  const std::uint64_t high = value / k1e8;
  const __m128i halves =
      _mm_set_epi64x(static_cast<long long>(value - high * k1e8), static_cast<long long>(high));
  const __m128i fours_high = _mm_srli_epi64(_mm_mul_epu32(halves, _mm_set1_epi32(0xd1b71759)), 45);
  const __m128i fours_low = _mm_sub_epi32(halves, _mm_mul_epu32(fours_high, _mm_set1_epi32(10000)));
  // 32-bit lanes 0 and 2 hold [high half / 10^4 | high half % 10^4 << 16] and the same
  // for the low half: gathered into 16-bit lanes 0-3, first digits first.
  const __m128i fours = _mm_shuffle_epi32(_mm_or_si128(fours_high, _mm_slli_epi32(fours_low, 16)),
                                          _MM_SHUFFLE(3, 1, 2, 0));
  const __m128i hundreds = _mm_srli_epi16(_mm_mulhi_epu16(fours, _mm_set1_epi16(5243)), 3);
  const __m128i rest = _mm_sub_epi16(fours, _mm_mullo_epi16(hundreds, _mm_set1_epi16(100)));
  const __m128i pairs = _mm_unpacklo_epi16(hundreds, rest);  // eight numbers below 100
  const __m128i tens = _mm_mulhi_epu16(pairs, _mm_set1_epi16(6554));
  const __m128i ones = _mm_sub_epi16(pairs, _mm_mullo_epi16(tens, _mm_set1_epi16(10)));
  const __m128i digits =
      _mm_or_si128(_mm_or_si128(tens, _mm_slli_epi16(ones, 8)), _mm_set1_epi8('0'));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(to), digits);
}
#endif

}  // namespace

std::size_t format_decimal(char* buffer, std::uint64_t value) noexcept {
  // The length is known up front, so each run of up to 8 digits is formatted at once
  // and stored straight to its place; the first run drops its leading zeros by a shift
  // (they are its lowest bytes).
  if (value < 10) {  // sampling priorities
    buffer[0] = static_cast<char>('0' + value);
    return 1;
  }
  const std::size_t length = decimal_digits(value);
  if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
    constexpr std::uint64_t k1e8 = 100000000u;
    if (length <= 8) {
      store8(buffer, decimal_digits8(static_cast<std::uint32_t>(value)) >> (8 * (8 - length)));
    } else if (length <= 16) {
      const std::uint64_t high = value / k1e8;
      store8(buffer, decimal_digits8(static_cast<std::uint32_t>(high)) >> (8 * (16 - length)));
      store8(buffer + length - 8, decimal_digits8(static_cast<std::uint32_t>(value - high * k1e8)));
    } else {
#if defined(__SSE2__) && defined(__x86_64__)
      // A 64-bit id mostly has 19 or 20 digits: 1 to 4 leading ones as two digit pairs
      // (written as 4 bytes, of which the leading zeros are shifted out), the other 16
      // at once over what that wrote past them.
      const std::uint64_t high = value / (k1e8 * k1e8);  // at most 1844
      // 32-bit: the divisions by 100 are then one multiplication each.
      const auto top = static_cast<std::uint32_t>(high);
      const std::uint32_t hundreds = top / 100;
      std::uint16_t first_pair;
      std::uint16_t second_pair;
      std::memcpy(&first_pair, kDecimalPairs + hundreds * 2, 2);
      std::memcpy(&second_pair, kDecimalPairs + (top - hundreds * 100) * 2, 2);
      const std::uint32_t lead =
          (first_pair | std::uint32_t{second_pair} << 16) >> (8 * (20 - length));
      std::memcpy(buffer, &lead, sizeof lead);
      store_decimal16(buffer + length - 16, value - high * (k1e8 * k1e8));
#else
      const std::uint64_t high = value / (k1e8 * k1e8);  // at most 1844
      const std::uint64_t rest = value - high * (k1e8 * k1e8);
      const std::uint64_t middle = rest / k1e8;
      store8(buffer, decimal_digits8(static_cast<std::uint32_t>(high)) >> (8 * (24 - length)));
      store8(buffer + length - 16, decimal_digits8(static_cast<std::uint32_t>(middle)));
      store8(buffer + length - 8,
             decimal_digits8(static_cast<std::uint32_t>(rest - middle * k1e8)));
#endif
    }
    return length;
  }
  char* p = buffer + length;
  while (value >= 100) {
    const auto pair = static_cast<std::size_t>(value % 100) * 2;
    value /= 100;
    p -= 2;
    std::memcpy(p, kDecimalPairs + pair, 2);
  }
  if (value >= 10) {
    std::memcpy(p - 2, kDecimalPairs + static_cast<std::size_t>(value) * 2, 2);
  } else {
    p[-1] = static_cast<char>('0' + value);
  }
  return length;
}

std::size_t format_int_any(char* buffer, int value) noexcept {
  if (value >= 0) return format_decimal(buffer, static_cast<std::uint64_t>(value));
  buffer[0] = '-';
  return 1 +
         format_decimal(buffer + 1, static_cast<std::uint64_t>(-static_cast<std::int64_t>(value)));
}

#if !(defined(__SSE2__) && defined(__x86_64__))
void format_hex16(char* buffer, std::uint64_t value) noexcept {
  for (int byte = 7; byte >= 0; --byte) {
    std::memcpy(buffer + 2 * byte, kHexPairs.data() + 2 * (value & 0xff), 2);
    value >>= 8;
  }
}
#endif

void append_decimal(std::string& out, std::uint64_t value) {
  char buffer[kMaxDecimalDigits];
  out.append(buffer, format_decimal(buffer, value));
}

void append_int(std::string& out, int value) {
  char buffer[kMaxIntChars];
  out.append(buffer, format_int(buffer, value));
}

void append_hex16(std::string& out, std::uint64_t value) {
  char buffer[16];
  format_hex16(buffer, value);
  out.append(buffer, 16);
}

std::string hex16(std::uint64_t value) {
  std::string out;
  out.reserve(16);
  append_hex16(out, value);
  return out;
}

bool is_printable_ascii(std::string_view text) noexcept {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string quote_for_message(std::string_view value) {
  constexpr std::size_t kMaxShown = 64;
  std::string out;
  out.reserve(std::min(value.size(), kMaxShown) + 8);
  out.push_back('\'');
  for (std::size_t i = 0; i < value.size() && i < kMaxShown; ++i) {
    const char c = value[i];
    if (c >= 0x20 && c <= 0x7e && c != '\\') {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += "\\x";
      out.push_back(kHexDigits[byte >> 4]);
      out.push_back(kHexDigits[byte & 0xf]);
    }
  }
  out.push_back('\'');
  if (value.size() > kMaxShown) out += "...";
  return out;
}

void report(std::vector<Error>* diagnostics, Error::Code code, std::string message) {
  if (diagnostics != nullptr) diagnostics->push_back(Error{code, std::move(message)});
}

}  // namespace propagation
}  // namespace gatetrace
