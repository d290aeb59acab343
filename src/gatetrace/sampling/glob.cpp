#include "gatetrace/sampling/glob.h"

#include <algorithm>

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
      segment.bytes.push_any();
      has_any = true;
      continue;
    }
    const std::size_t start = pos;
    const std::uint32_t unit = decode_unit(pattern, &pos);
    segment.units.push_back(unit);
    valid_utf8 = valid_utf8 && unit < kInvalidByteBase;
    for (std::size_t i = start; i < pos; ++i) segment.bytes.push_literal(pattern[i]);
  }

  // The classes that one literal run answers. They need valid UTF-8 for bytes to answer
  // like characters (see glob.h); with `?`, an ASCII subject too (checked per match).
  const bool prefix_only = segments_.size() == 2 && segments_.back().units.empty();
  const bool suffix_only = segments_.size() == 2 && segments_.front().units.empty();
  if (only_stars) {
    kind_ = Kind::kEverything;
  } else if (valid_utf8 && (!has_star_ || prefix_only || suffix_only)) {
    if (!has_star_) {
      kind_ = has_any ? Kind::kExactAny : Kind::kExact;
    } else if (prefix_only) {
      kind_ = has_any ? Kind::kPrefixAny : Kind::kPrefix;
    } else {
      kind_ = has_any ? Kind::kSuffixAny : Kind::kSuffix;
    }
    literal_ = suffix_only ? segments_.back().bytes : segments_.front().bytes;
    length_ = literal_.size();
  }
  // A `?` meeting a non-ASCII subject still needs the segments (match_units).
  if (kind_ != Kind::kGeneral && !has_any) {
    segments_.clear();
    return;
  }

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
    if (segment.bytes.is_any(j)) {
      for (std::uint64_t& mask : segment.byte_masks) mask |= bit;
      continue;
    }
    const auto byte = static_cast<unsigned char>(segment.bytes.folded(j));
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
  // The caller checked that the subject has at least `min_bytes_` bytes.
  const FoldedBytes& prefix = segments_.front().bytes;
  if (!has_star_) return subject.size() == prefix.size() && prefix.matches_at(subject.data());
  if (!prefix.matches_at(subject.data())) return false;
  std::size_t pos = prefix.size();
  for (std::size_t i = 1; i + 1 < segments_.size(); ++i) {
    if (!search_bytes(segments_[i], subject, &pos)) return false;
  }
  // The suffix can only be the subject's last bytes, if they start at or after `pos`.
  const FoldedBytes& suffix = segments_.back().bytes;
  if (subject.size() - pos < suffix.size()) return false;
  return suffix.matches_at(subject.data() + subject.size() - suffix.size());
}

bool Glob::match_slow(std::string_view subject) const {
  if (kind_ == Kind::kGeneral) return match_pattern(subject);
  // A literal with `?`: bytes answer for ASCII subjects only.
  if (!is_ascii(subject)) return match_units(subject);
  const std::size_t size = subject.size();
  switch (kind_) {
    case Kind::kExactAny:
      return size == length_ && literal_.matches_at(subject.data());
    case Kind::kPrefixAny:
      return size >= length_ && literal_.matches_at(subject.data());
    default:  // kSuffixAny
      return size >= length_ && literal_.matches_at(subject.data() + (size - length_));
  }
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
