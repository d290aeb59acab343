#include "codec.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace gatetrace {
namespace propagation {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c, HexCase hex_case) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (hex_case == HexCase::kAny && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

}  // namespace

std::string_view trim_ows(std::string_view text) noexcept {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

std::optional<std::uint64_t> parse_decimal_u64(std::string_view text) noexcept {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<int> parse_decimal_int(std::string_view text) noexcept {
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

std::optional<std::uint64_t> parse_hex_u64(std::string_view text, HexCase hex_case) noexcept {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    const int digit = hex_value(c, hex_case);
    if (digit < 0) return std::nullopt;
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value;
}

bool is_hex(std::string_view text, HexCase hex_case) noexcept {
  for (const char c : text) {
    if (hex_value(c, hex_case) < 0) return false;
  }
  return true;
}

std::size_t format_decimal(char* buffer, std::uint64_t value) noexcept {
  // Digits are produced backwards into a scratch area, then moved to the front.
  // Two digits per division halves the divisions of a 20-digit id.
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char scratch[kMaxDecimalDigits];
  std::size_t n = kMaxDecimalDigits;
  while (value >= 100) {
    const auto pair = static_cast<std::size_t>(value % 100) * 2;
    value /= 100;
    scratch[--n] = kPairs[pair + 1];
    scratch[--n] = kPairs[pair];
  }
  if (value >= 10) {
    const auto pair = static_cast<std::size_t>(value) * 2;
    scratch[--n] = kPairs[pair + 1];
    scratch[--n] = kPairs[pair];
  } else {
    scratch[--n] = static_cast<char>('0' + value);
  }
  const std::size_t length = kMaxDecimalDigits - n;
  std::memcpy(buffer, scratch + n, length);
  return length;
}

std::size_t format_int(char* buffer, int value) noexcept {
  if (value >= 0) return format_decimal(buffer, static_cast<std::uint64_t>(value));
  buffer[0] = '-';
  return 1 +
         format_decimal(buffer + 1, static_cast<std::uint64_t>(-static_cast<std::int64_t>(value)));
}

void format_hex16(char* buffer, std::uint64_t value) noexcept {
  for (int i = 15; i >= 0; --i) {
    buffer[i] = kHexDigits[value & 0xf];
    value >>= 4;
  }
}

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
