// A run of a glob pattern's bytes, kept so that a subject's bytes compare against it
// case-insensitively eight at a time: ASCII letters match either case, `?` (an "any"
// byte) matches any byte, every other byte matches only itself. Glob matching (glob.h)
// is built on it; whether comparing bytes gives the same answer as comparing UTF-8
// characters is the caller's business.
//
// Each pattern byte is stored three times over: `folded` (lower case, 0 for `?`),
// `case_bit` (0x20 for a letter, else 0) and `care` (0 for `?`, else 0xFF). A subject
// byte s matches when ((s | case_bit) & care) == folded: for a letter, s | 0x20 is the
// lower-case letter only for that letter's two cases; for other bytes, s itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace gatetrace {

namespace folded_bytes_detail {

inline std::uint64_t load64(const char* bytes) {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

inline std::uint64_t load32(const char* bytes) {
  std::uint32_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

// Four to eight bytes as one word: the first four and the last four (overlapping when
// fewer than eight).
inline std::uint64_t load4to8(const char* bytes, std::size_t length) {
  return load32(bytes) | (load32(bytes + length - 4) << 32);
}

// One to three bytes as one word: the first, middle and last (some read twice).
inline std::uint64_t load1to3(const char* bytes, std::size_t length) {
  const auto at = [bytes](std::size_t i) {
    return static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i]));
  };
  return at(0) | (at(length >> 1) << 8) | (at(length - 1) << 16);
}

inline bool word_matches(std::uint64_t subject, std::uint64_t folded, std::uint64_t case_bit,
                         std::uint64_t care) {
  return ((subject | case_bit) & care) == folded;
}

}  // namespace folded_bytes_detail

// Whether every byte of `text` is ASCII.
inline bool is_ascii(std::string_view text) {
  using folded_bytes_detail::load64;
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) seen |= load64(text.data() + i);
  for (; i < text.size(); ++i) seen |= static_cast<unsigned char>(text[i]);
  return (seen & 0x8080808080808080u) == 0;
}

class FoldedBytes {
 public:
  // Appends a byte that matches itself (and its other case, for an ASCII letter).
  void push_literal(char byte) {
    const bool letter = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z');
    push(letter ? static_cast<char>(byte | 0x20) : byte, letter ? '\x20' : '\0', '\xFF');
  }
  // Appends a byte that matches any byte.
  void push_any() { push('\0', '\0', '\0'); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The pattern byte at `i`, folded to lower case; meaningless where `is_any(i)`.
  char folded(std::size_t i) const { return data_[i]; }
  bool is_any(std::size_t i) const { return data_[2 * size_ + i] == '\0'; }
  // The three arrays, each `size()` long, for callers that load them as words.
  const char* folded_data() const { return data_.data(); }
  const char* case_bit_data() const { return data_.data() + size_; }
  const char* care_data() const { return data_.data() + 2 * size_; }

  // Whether the `size()` bytes at `subject` match.
  bool matches_at(const char* subject) const {
    using folded_bytes_detail::load1to3;
    using folded_bytes_detail::load4to8;
    using folded_bytes_detail::load64;
    using folded_bytes_detail::word_matches;
    const std::size_t n = size_;
    const char* folded = data_.data();
    const char* case_bit = folded + n;
    const char* care = case_bit + n;
    if (n >= 8) {
      std::size_t i = 0;
      for (; i + 8 < n; i += 8) {
        if (!word_matches(load64(subject + i), load64(folded + i), load64(case_bit + i),
                          load64(care + i))) {
          return false;
        }
      }
      // The last eight bytes, overlapping bytes already compared.
      i = n - 8;
      return word_matches(load64(subject + i), load64(folded + i), load64(case_bit + i),
                          load64(care + i));
    }
    if (n >= 4) {
      return word_matches(load4to8(subject, n), load4to8(folded, n), load4to8(case_bit, n),
                          load4to8(care, n));
    }
    if (n == 0) return true;
    return word_matches(load1to3(subject, n), load1to3(folded, n), load1to3(case_bit, n),
                        load1to3(care, n));
  }

 private:
  void push(char folded, char case_bit, char care) {
    // data_ is [folded... | case_bit... | care...], each `size_` long.
    data_.push_back(care);
    data_.insert(data_.begin() + static_cast<std::ptrdiff_t>(2 * size_), case_bit);
    data_.insert(data_.begin() + static_cast<std::ptrdiff_t>(size_), folded);
    ++size_;
  }

  std::string data_;
  std::size_t size_ = 0;
};

}  // namespace gatetrace
