// Glob patterns of Datadog's sampling rules: `*` matches any run of characters
// (including none), `?` matches exactly one character, every other character matches
// itself. ASCII letters match case-insensitively; other bytes match exactly. A
// "character" is one UTF-8 encoded code point (so `?` matches `é` as in Datadog's
// Python, Java and Go tracers); a byte that is not part of a valid UTF-8 sequence
// counts as one character on its own.
//
// Rules are matched on every trace, and patterns come from configuration, so matching
// must not blow up on adversarial input: a `Glob` is compiled once, then each match
// reads the subject once, left to right, without recursion or backtracking. The pattern
// splits at its stars into literal segments; the first must match the subject's start,
// the others are found leftmost-first (which is optimal: an earlier end only leaves more
// room for the rest) by a bit-parallel NFA (shift-and), so the cost is
// O(|subject| * ceil(longest segment / 64)) and, for segments of up to 64 characters,
// linear.
//
// Nearly all patterns and subjects are ASCII, and nearly all patterns are a literal, a
// literal with a star at one end, or a lone star. So a pattern is classified when
// compiled, and those classes compare bytes (ASCII letters folded, `?` a don't-care
// byte, see folded_bytes.h) eight at a time, inline, after a length check; the other
// patterns split into segments as above, whose searched ones get a 256-entry shift-and
// table indexed by the subject's bytes. Bytes give the same answer as characters when
// the subject is ASCII (one byte per character), and for any subject when the pattern
// is valid UTF-8 without `?`: then every literal run starts at a byte that can only
// begin a character, so a byte occurrence is a character occurrence, and the other way
// round. Other cases (and middle segments over 64 bytes) take the character path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gatetrace/sampling/folded_bytes.h"

namespace gatetrace {

class Glob {
 public:
  explicit Glob(std::string_view pattern);

  bool match(std::string_view subject) const {
    const std::size_t size = subject.size();
    switch (kind_) {
      case Kind::kExact:
        return size == length_ && literal_.matches_at(subject.data());
      case Kind::kPrefix:
        return size >= length_ && literal_.matches_at(subject.data());
      case Kind::kSuffix:
        return size >= length_ && literal_.matches_at(subject.data() + (size - length_));
      case Kind::kEverything:
        return true;
      default:
        return match_slow(subject);
    }
  }

  // True for a non-empty pattern of only stars: it matches every string.
  bool matches_everything() const { return kind_ == Kind::kEverything; }

  // Where `literal()` must sit in a subject for patterns that are one literal run
  // without `?` (valid UTF-8), for callers that compare it themselves: the whole
  // subject (no star), its start (then a star) or its end (a star, then the literal).
  // kNone for every other pattern.
  enum class Anchor : std::uint8_t { kNone, kWhole, kStart, kEnd };
  Anchor literal_anchor() const {
    switch (kind_) {
      case Kind::kExact:
        return Anchor::kWhole;
      case Kind::kPrefix:
        return Anchor::kStart;
      case Kind::kSuffix:
        return Anchor::kEnd;
      default:
        return Anchor::kNone;
    }
  }
  const FoldedBytes& literal() const { return literal_; }

  // As `literal_anchor`, but also for a literal run with `?` (valid UTF-8): its bytes
  // answer like `match` only for ASCII subjects (`literal_has_any`); the others must
  // be given to `match`.
  Anchor literal_anchor_with_any() const {
    switch (kind_) {
      case Kind::kExactAny:
        return Anchor::kWhole;
      case Kind::kPrefixAny:
        return Anchor::kStart;
      case Kind::kSuffixAny:
        return Anchor::kEnd;
      default:
        return literal_anchor();
    }
  }
  bool literal_has_any() const {
    return kind_ == Kind::kExactAny || kind_ == Kind::kPrefixAny || kind_ == Kind::kSuffixAny;
  }

 private:
  enum class Kind : std::uint8_t {
    // The literal classes (valid UTF-8 patterns only): `literal_` is the pattern
    // without its star.
    kExact,       // no star
    kPrefix,      // then a star
    kSuffix,      // a star, then the literal
    kEverything,  // only stars
    // The literal classes when the literal holds a `?`: `literal_` answers for ASCII
    // subjects only, `segments_` for the others.
    kExactAny,
    kPrefixAny,
    kSuffixAny,
    kGeneral,  // anything else: `segments_`
  };

  // A run of the pattern between stars. `units` are characters as `decode_unit` reads
  // them (ASCII folded to lower case), `kAnyUnit` for `?`.
  struct Segment {
    std::vector<std::uint32_t> units;
    // Shift-and tables, built only for segments that are searched for:
    // masks[slot * words .. +words) has bit j set when position j accepts the
    // character of that slot; slot 0 is "any character not listed in `keys`" (only the
    // `?` positions), slot i + 1 belongs to keys[i] (sorted).
    std::size_t words = 0;
    std::vector<std::uint32_t> keys;
    std::vector<std::uint64_t> masks;
    // The byte form, and `byte_masks` (256 entries, for searched segments of up to 64
    // bytes): bit j set when position j accepts that subject byte.
    FoldedBytes bytes;
    std::vector<std::uint64_t> byte_masks;
  };

  // The kinds that `match` does not answer inline.
  bool match_slow(std::string_view subject) const;
  bool match_pattern(std::string_view subject) const;
  bool match_units(std::string_view subject) const;
  bool match_bytes(std::string_view subject) const;

  static void build_tables(Segment& segment);
  static void build_byte_tables(Segment& segment);
  // Finds the leftmost occurrence of a searched segment's bytes at or after `*pos`;
  // advances `*pos` to its end.
  static bool search_bytes(const Segment& segment, std::string_view subject, std::size_t* pos);
  // Matches `segment` at exactly `*pos`; advances `*pos` past it on success.
  static bool match_at(const Segment& segment, std::string_view subject, std::size_t* pos);
  // Finds the leftmost occurrence of `segment` at or after `*pos`; advances `*pos` to
  // its end. With `at_end`, only an occurrence ending at the subject's end counts.
  static bool search(const Segment& segment, std::string_view subject, std::size_t* pos,
                     bool at_end);

  Kind kind_ = Kind::kGeneral;
  // For the literal classes: the literal's length in bytes, and its bytes.
  std::size_t length_ = 0;
  FoldedBytes literal_;

  bool has_star_ = false;
  // The byte path answers for every subject (valid UTF-8, no `?`)...
  bool bytes_for_any_subject_ = false;
  // ... or, when this is set, at least for ASCII subjects.
  bool bytes_for_ascii_subject_ = false;
  // Bytes of all literal characters and `?`s: the byte path's shortest subject.
  std::size_t min_bytes_ = 0;
  // Without a star: one segment matched against the whole subject. With stars: the
  // prefix (maybe empty), the non-empty middle segments, then the suffix (maybe empty).
  // Empty for the classes that `literal_` answers.
  std::vector<Segment> segments_;
};

// One-off convenience: compiles `pattern`, then matches. Samplers keep compiled `Glob`s.
bool glob_match(std::string_view pattern, std::string_view subject);

}  // namespace gatetrace
