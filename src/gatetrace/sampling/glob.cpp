#include "gatetrace/sampling/glob.h"

#include <algorithm>
#include <cstring>

namespace gatetrace {
namespace {

// `?` in a compiled segment; no decoded character has this value.
constexpr std::uint32_t kAnyUnit = 0xFFFFFFFFu;
// A byte outside any valid UTF-8 sequence decodes to this plus the byte, above every
// code point, so distinct byte strings always decode to distinct unit strings.
constexpr std::uint32_t kInvalidByteBase = 0x110000u;

bool is_continuation(unsigned char byte) { return (byte & 0xC0u) == 0x80u; }

// Reads the character at `*pos` and advances past it. Only shortest-form UTF-8 without
// surrogates is decoded, so that two different byte strings never compare equal.
std::uint32_t decode_unit(std::string_view text, std::size_t* pos) {
  const auto lead = static_cast<unsigned char>(text[*pos]);
  if (lead < 0x80u) {
    ++*pos;
    return (lead >= 'A' && lead <= 'Z') ? lead + ('a' - 'A') : lead;
  }
  std::size_t length = 0;
  std::uint32_t code_point = 0;
  unsigned char second_min = 0x80u;
  unsigned char second_max = 0xBFu;
  if (lead >= 0xC2u && lead <= 0xDFu) {
    length = 2;
    code_point = lead & 0x1Fu;
  } else if (lead >= 0xE0u && lead <= 0xEFu) {
    length = 3;
    code_point = lead & 0x0Fu;
    if (lead == 0xE0u) second_min = 0xA0u;  // overlong
    if (lead == 0xEDu) second_max = 0x9Fu;  // surrogates
  } else if (lead >= 0xF0u && lead <= 0xF4u) {
    length = 4;
    code_point = lead & 0x07u;
    if (lead == 0xF0u) second_min = 0x90u;  // overlong
    if (lead == 0xF4u) second_max = 0x8Fu;  // above U+10FFFF
  }
  bool valid = length != 0 && text.size() - *pos >= length;
  if (valid) {
    const auto second = static_cast<unsigned char>(text[*pos + 1]);
    valid = second >= second_min && second <= second_max;
    code_point = (code_point << 6) | (second & 0x3Fu);
    for (std::size_t i = 2; valid && i < length; ++i) {
      const auto next = static_cast<unsigned char>(text[*pos + i]);
      valid = is_continuation(next);
      code_point = (code_point << 6) | (next & 0x3Fu);
    }
  }
  if (!valid) {
    ++*pos;
    return kInvalidByteBase + lead;
  }
  *pos += length;
  return code_point;
}

constexpr std::uint64_t kHighBits = 0x8080808080808080u;
constexpr std::uint64_t kLowBits = 0x7F7F7F7F7F7F7F7Fu;
constexpr std::uint64_t kEachByte = 0x0101010101010101u;

std::uint64_t load64(const char* bytes) {
  std::uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

std::uint64_t load32(const char* bytes) {
  std::uint32_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

// Three bytes that cover 1 to 3 bytes (some read twice), so short runs compare in one go.
std::uint64_t load_short(const char* bytes, std::size_t length) {
  const auto at = [bytes](std::size_t i) {
    return static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i]));
  };
  return at(0) | (at(length >> 1) << 8) | (at(length - 1) << 16);
}

// Eight bytes with their ASCII capitals turned lower case; other bytes unchanged. Per
// byte, without carries between bytes: the low seven bits plus 0x3F reach the high bit
// from 'A' up, plus 0x25 from '[' (one past 'Z') up.
std::uint64_t fold_word(std::uint64_t word) {
  const std::uint64_t low = word & kLowBits;
  const std::uint64_t from_a = low + 0x3F * kEachByte;
  const std::uint64_t past_z = low + 0x25 * kEachByte;
  const std::uint64_t capital = from_a & ~past_z & ~word & kHighBits;
  return word | (capital >> 2);  // 0x80 >> 2 is 0x20, the case bit
}

bool word_matches(std::uint64_t subject, std::uint64_t pattern, std::uint64_t care) {
  return ((fold_word(subject) ^ pattern) & care) == 0;
}

// Whether `length` subject bytes match a segment's folded bytes where `care` says so.
inline bool bytes_match(const char* subject, const char* pattern, const char* care,
                        std::size_t length) {
  if (length >= 8) {
    std::size_t i = 0;
    for (; i + 8 <= length; i += 8) {
      if (!word_matches(load64(subject + i), load64(pattern + i), load64(care + i))) return false;
    }
    if (i == length) return true;
    // The last eight bytes, overlapping bytes already compared.
    i = length - 8;
    return word_matches(load64(subject + i), load64(pattern + i), load64(care + i));
  }
  if (length >= 4) {
    const std::size_t tail = length - 4;
    const auto pair = [tail](const char* bytes) {
      return load32(bytes) | (load32(bytes + tail) << 32);
    };
    return word_matches(pair(subject), pair(pattern), pair(care));
  }
  if (length == 0) return true;
  return word_matches(load_short(subject, length), load_short(pattern, length),
                      load_short(care, length));
}

bool is_ascii(std::string_view text) {
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) seen |= load64(text.data() + i);
  for (; i < text.size(); ++i) seen |= static_cast<unsigned char>(text[i]);
  return (seen & kHighBits) == 0;
}

char fold_byte(char byte) {
  return (byte >= 'A' && byte <= 'Z') ? static_cast<char>(byte + ('a' - 'A')) : byte;
}

}  // namespace

Glob::Glob(std::string_view pattern) {
  segments_.emplace_back();
  bool only_stars = !pattern.empty();
  bool has_any = false;
  bool valid_utf8 = true;
  std::size_t pos = 0;
  while (pos < pattern.size()) {
    const char c = pattern[pos];
    if (c == '*') {
      ++pos;
      has_star_ = true;
      // Consecutive stars are one star: no empty segment between them.
      if (segments_.size() == 1 || !segments_.back().units.empty()) segments_.emplace_back();
      continue;
    }
    only_stars = false;
    Segment& segment = segments_.back();
    if (c == '?') {
      ++pos;
      segment.units.push_back(kAnyUnit);
      segment.bytes.push_back('\0');
      segment.care.push_back('\0');
      has_any = true;
      continue;
    }
    const std::size_t start = pos;
    const std::uint32_t unit = decode_unit(pattern, &pos);
    segment.units.push_back(unit);
    valid_utf8 = valid_utf8 && unit < kInvalidByteBase;
    for (std::size_t i = start; i < pos; ++i) {
      segment.bytes.push_back(fold_byte(pattern[i]));
      segment.care.push_back('\xFF');
    }
  }
  matches_everything_ = only_stars;
  bool bytes_searchable = true;
  if (has_star_) {
    // Every segment after the prefix is searched for, not matched in place (the suffix
    // only at the subject's end, which the byte path compares directly).
    for (std::size_t i = 1; i < segments_.size(); ++i) {
      Segment& segment = segments_[i];
      if (segment.units.empty()) continue;
      build_tables(segment);
      if (i + 1 == segments_.size()) continue;
      if (segment.bytes.size() <= 64) {
        build_byte_tables(segment);
      } else {
        bytes_searchable = false;
      }
    }
  }
  for (const Segment& segment : segments_) min_bytes_ += segment.bytes.size();
  bytes_for_ascii_subject_ = bytes_searchable;
  bytes_for_any_subject_ = bytes_searchable && valid_utf8 && !has_any;
}

void Glob::build_byte_tables(Segment& segment) {
  segment.byte_masks.assign(256, 0);
  for (std::size_t j = 0; j < segment.bytes.size(); ++j) {
    const std::uint64_t bit = std::uint64_t{1} << j;
    if (segment.care[j] == '\0') {
      for (std::uint64_t& mask : segment.byte_masks) mask |= bit;
      continue;
    }
    const auto byte = static_cast<unsigned char>(segment.bytes[j]);
    segment.byte_masks[byte] |= bit;
    // Folded bytes are lower case: the capital matches too.
    if (byte >= 'a' && byte <= 'z') segment.byte_masks[byte - ('a' - 'A')] |= bit;
  }
}

void Glob::build_tables(Segment& segment) {
  const std::size_t length = segment.units.size();
  segment.words = (length + 63) / 64;
  for (std::uint32_t unit : segment.units) {
    if (unit != kAnyUnit) segment.keys.push_back(unit);
  }
  std::sort(segment.keys.begin(), segment.keys.end());
  segment.keys.erase(std::unique(segment.keys.begin(), segment.keys.end()), segment.keys.end());
  const std::size_t slots = segment.keys.size() + 1;
  segment.masks.assign(slots * segment.words, 0);
  for (std::size_t j = 0; j < length; ++j) {
    const std::uint64_t bit = std::uint64_t{1} << (j % 64);
    const std::size_t word = j / 64;
    const std::uint32_t unit = segment.units[j];
    if (unit == kAnyUnit) {
      for (std::size_t slot = 0; slot < slots; ++slot) {
        segment.masks[slot * segment.words + word] |= bit;
      }
    } else {
      const auto key = std::lower_bound(segment.keys.begin(), segment.keys.end(), unit);
      const std::size_t slot = 1 + static_cast<std::size_t>(key - segment.keys.begin());
      segment.masks[slot * segment.words + word] |= bit;
    }
  }
}

bool Glob::match_at(const Segment& segment, std::string_view subject, std::size_t* pos) {
  std::size_t cursor = *pos;
  for (std::uint32_t unit : segment.units) {
    if (cursor >= subject.size()) return false;
    const std::uint32_t actual = decode_unit(subject, &cursor);
    if (unit != kAnyUnit && unit != actual) return false;
  }
  *pos = cursor;
  return true;
}

bool Glob::search(const Segment& segment, std::string_view subject, std::size_t* pos, bool at_end) {
  const std::size_t words = segment.words;
  const auto mask_of = [&segment, words](std::uint32_t unit) {
    const auto key = std::lower_bound(segment.keys.begin(), segment.keys.end(), unit);
    const bool listed = key != segment.keys.end() && *key == unit;
    const std::size_t slot = listed ? 1 + static_cast<std::size_t>(key - segment.keys.begin()) : 0;
    return segment.masks.data() + slot * words;
  };
  const std::size_t last = segment.units.size() - 1;
  const std::uint64_t accept = std::uint64_t{1} << (last % 64);
  std::size_t cursor = *pos;

  // Bit j of `state`: the last j + 1 characters read match the segment's first j + 1.
  if (words == 1) {
    std::uint64_t state = 0;
    while (cursor < subject.size()) {
      state = ((state << 1) | 1u) & mask_of(decode_unit(subject, &cursor))[0];
      if (!at_end && (state & accept)) {
        *pos = cursor;
        return true;
      }
    }
    return at_end && (state & accept);
  }

  std::vector<std::uint64_t> state(words, 0);
  while (cursor < subject.size()) {
    const std::uint64_t* mask = mask_of(decode_unit(subject, &cursor));
    std::uint64_t carry = 1;
    for (std::size_t w = 0; w < words; ++w) {
      const std::uint64_t shifted = (state[w] << 1) | carry;
      carry = state[w] >> 63;
      state[w] = shifted & mask[w];
    }
    if (!at_end && (state[last / 64] & accept)) {
      *pos = cursor;
      return true;
    }
  }
  return at_end && (state[last / 64] & accept);
}

bool Glob::search_bytes(const Segment& segment, std::string_view subject, std::size_t* pos) {
  const std::uint64_t accept = std::uint64_t{1} << (segment.bytes.size() - 1);
  const std::uint64_t* masks = segment.byte_masks.data();
  std::uint64_t state = 0;
  for (std::size_t cursor = *pos; cursor < subject.size(); ++cursor) {
    state = ((state << 1) | 1u) & masks[static_cast<unsigned char>(subject[cursor])];
    if (state & accept) {
      *pos = cursor + 1;
      return true;
    }
  }
  return false;
}

inline bool Glob::match_bytes(std::string_view subject) const {
  const Segment& prefix = segments_.front();
  const std::size_t prefix_length = prefix.bytes.size();
  if (!has_star_) {
    return subject.size() == prefix_length &&
           bytes_match(subject.data(), prefix.bytes.data(), prefix.care.data(), prefix_length);
  }
  if (subject.size() < prefix_length ||
      !bytes_match(subject.data(), prefix.bytes.data(), prefix.care.data(), prefix_length)) {
    return false;
  }
  std::size_t pos = prefix_length;
  for (std::size_t i = 1; i + 1 < segments_.size(); ++i) {
    if (!search_bytes(segments_[i], subject, &pos)) return false;
  }
  // The suffix can only be the subject's last bytes, if they start at or after `pos`.
  const Segment& suffix = segments_.back();
  const std::size_t suffix_length = suffix.bytes.size();
  if (subject.size() - pos < suffix_length) return false;
  return bytes_match(subject.data() + subject.size() - suffix_length, suffix.bytes.data(),
                     suffix.care.data(), suffix_length);
}

bool Glob::match_pattern(std::string_view subject) const {
  // The byte path needs every literal byte: shorter subjects fail at once.
  if (bytes_for_any_subject_) return subject.size() >= min_bytes_ && match_bytes(subject);
  if (bytes_for_ascii_subject_ && is_ascii(subject)) {
    return subject.size() >= min_bytes_ && match_bytes(subject);
  }
  return match_units(subject);
}

bool Glob::match_units(std::string_view subject) const {
  std::size_t pos = 0;
  if (!match_at(segments_.front(), subject, &pos)) return false;
  if (!has_star_) return pos == subject.size();
  for (std::size_t i = 1; i + 1 < segments_.size(); ++i) {
    if (!search(segments_[i], subject, &pos, false)) return false;
  }
  const Segment& suffix = segments_.back();
  return suffix.units.empty() || search(suffix, subject, &pos, true);
}

bool glob_match(std::string_view pattern, std::string_view subject) {
  if (!pattern.empty() && pattern.find_first_not_of('*') == std::string_view::npos) return true;
  return Glob(pattern).match(subject);
}

}  // namespace gatetrace
