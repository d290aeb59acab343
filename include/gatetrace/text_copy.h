// Inline copies of short texts, for the hot paths that write tags and names: a call to
// the library's memmove or std::string::assign costs more than copying a 20-byte tag.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace gatetrace {
namespace detail {

// 16 bytes, for move_chars (one unaligned vector load or store where the target has them).
struct Chars16 {
  std::uint64_t words[2];
};

// memmove of 32 <= n <= 64 bytes: two 16-byte blocks from each end, overlapping, all
// loaded before any is stored (so `from` may overlap `to`).
inline void move_32_to_64_chars(char* to, const char* from, std::size_t n) {
  Chars16 a, b, c, d;
  std::memcpy(&a, from, 16);
  std::memcpy(&b, from + 16, 16);
  std::memcpy(&c, from + n - 32, 16);
  std::memcpy(&d, from + n - 16, 16);
  std::memcpy(to, &a, 16);
  std::memcpy(to + 16, &b, 16);
  std::memcpy(to + n - 32, &c, 16);
  std::memcpy(to + n - 16, &d, 16);
}

// memmove for the short strings of tags, inline: the loads come before the stores, so
// `from` may overlap `to`. Texts over 64 bytes go to the library's memmove (ids and
// URLs of 33-64 bytes are common tag values, and a call costs more than the copy).
inline void move_chars(char* to, const char* from, std::size_t n) {
  if (n > 64) {
    std::memmove(to, from, n);
  } else if (n > 32) {
    move_32_to_64_chars(to, from, n);
  } else if (n > 16) {
    std::uint64_t a, b, c, d;
    std::memcpy(&a, from, 8);
    std::memcpy(&b, from + 8, 8);
    std::memcpy(&c, from + n - 16, 8);
    std::memcpy(&d, from + n - 8, 8);
    std::memcpy(to, &a, 8);
    std::memcpy(to + 8, &b, 8);
    std::memcpy(to + n - 16, &c, 8);
    std::memcpy(to + n - 8, &d, 8);
  } else if (n >= 8) {
    std::uint64_t a, b;
    std::memcpy(&a, from, 8);
    std::memcpy(&b, from + n - 8, 8);
    std::memcpy(to, &a, 8);
    std::memcpy(to + n - 8, &b, 8);
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, from, 4);
    std::memcpy(&b, from + n - 4, 4);
    std::memcpy(to, &a, 4);
    std::memcpy(to + n - 4, &b, 4);
  } else if (n > 0) {
    const char a = from[0], b = from[n / 2], c = from[n - 1];
    to[0] = a;
    to[n / 2] = b;
    to[n - 1] = c;
  }
}

// `target = value`, cheaper when `target` already holds at least as many characters:
// the text is copied over the old one and the string cut to length (both inline), where
// std::string::assign runs the library's general replace (e.g. for SpanConfig fields
// refilled on every request). `value` may be a view into `target` itself.
inline void assign_reusing(std::string& target, std::string_view value) {
  if (value.size() <= target.size()) {
    move_chars(target.data(), value.data(), value.size());
    target.erase(value.size());
  } else {
    target.assign(value.data(), value.size());
  }
}

}  // namespace detail
}  // namespace gatetrace
