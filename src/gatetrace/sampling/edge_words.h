// EdgeWords and EdgeLiteral: comparing a short glob literal (up to 16 bytes) with a
// subject's start, end or whole text in two masked word compares. A sampling decision
// tests a span's service, name and resource against many such literals, so the subject
// is loaded once per decision (`EdgeWords`: its first and last 16 bytes as four words,
// whatever its length), and each literal (`EdgeLiteral`, compiled from a Glob) then
// costs a length check and two compares, without a call or a length-dependent load.
//
// The compare is folded_bytes.h's: a subject byte s matches a pattern byte when
// ((s | case_bit) & care) == folded. Bytes outside the literal have care 0 and folded
// 0, so they match whatever the subject holds there (or the zeros past its end). With
// SSE2 (every x86-64) the 16 bytes compare in one vector operation each, else as two
// words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "gatetrace/sampling/folded_bytes.h"
#include "gatetrace/sampling/glob.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gatetrace {

struct EdgeWords {
  // words[0..1], the head: byte i of the subject is the head's byte i (i < 16).
  // words[2..3], the tail: byte size - 16 + i of the subject is the tail's byte i (so
  // the last byte is its byte 15). Bytes that the subject lacks are 0.
  static constexpr std::size_t kHead = 0;
  static constexpr std::size_t kTail = 2;
  // Written whole by the constructor (each load class writes all four words once).
  alignas(16) std::uint64_t words[4];  // aligned for EdgeLiteral's loads
  std::size_t size;

  // Nothing loaded, nothing written: for a caller that loads the words only when it
  // needs them (assigning a loaded EdgeWords), and reads none before.
  EdgeWords() {}
  explicit EdgeWords(std::string_view subject) {
    using folded_bytes_detail::load32;
    using folded_bytes_detail::load64;
    const char* data = subject.data();
    size = subject.size();
    std::uint64_t* head = words + kHead;
    std::uint64_t* tail = words + kTail;
    if (size >= 16) {
      head[0] = load64(data);
      head[1] = load64(data + 8);
      tail[0] = load64(data + size - 16);
      tail[1] = load64(data + size - 8);
    } else if (size >= 8) {
      // Two overlapping words; the bytes each lacks are shifted in as zeros. size 8:
      // the shift would be 64 bits, and there is nothing to shift in.
      const std::uint64_t first = load64(data);
      const std::uint64_t last = load64(data + size - 8);
      const unsigned missing = 8 * static_cast<unsigned>(16 - size);
      head[0] = first;
      tail[1] = last;
      head[1] = size > 8 ? last >> missing : 0;
      tail[0] = size > 8 ? first << missing : 0;
    } else {
      std::uint64_t word = 0;
      if (size >= 4) {
        // The first and last four bytes (overlapping: equal bytes OR to themselves).
        word = load32(data) | (load32(data + size - 4) << (8 * (size - 4)));
      } else if (size != 0) {
        const auto at = [data](std::size_t i) {
          return static_cast<std::uint64_t>(static_cast<unsigned char>(data[i])) << (8 * i);
        };
        word = at(0) | at(size >> 1) | at(size - 1);
      }
      head[0] = word;
      head[1] = 0;
      tail[0] = 0;
      // size 0: the shift would be 64 bits, and the word is 0 anyway.
      tail[1] = size != 0 ? word << (8 * (8 - size)) : 0;
    }
  }

  // gatetrace::is_ascii(subject), where `subject` is the text these words were loaded
  // from: up to 32 bytes, the words hold every byte of it (and zeros), so one OR of
  // four words answers without reading the text again byte by byte.
  bool is_ascii(std::string_view subject) const {
    if (size > 32) return gatetrace::is_ascii(subject);
    return ((words[0] | words[1] | words[2] | words[3]) & 0x8080808080808080u) == 0;
  }
};

class EdgeLiteral {
 public:
  // Whether `glob` is a literal this class compares: `literal_anchor_with_any` is not
  // kNone and the literal has at most 16 bytes.
  static bool applies_to(const Glob& glob) {
    return glob.literal_anchor_with_any() != Glob::Anchor::kNone && glob.literal().size() <= 16;
  }

  EdgeLiteral() = default;
  // Requires applies_to(glob); `glob` must outlive this.
  explicit EdgeLiteral(const Glob& glob) : glob_(&glob) {
    const FoldedBytes& literal = glob.literal();
    length_ = literal.size();
    const Glob::Anchor anchor = glob.literal_anchor_with_any();
    // Sizes are far below half the range: size - length_ (wrapping below 0) exceeds
    // it exactly when size < length_.
    max_extra_ = anchor == Glob::Anchor::kWhole ? 0 : static_cast<std::size_t>(-1) / 2;
    needs_ascii_ = glob.literal_has_any();
    // The literal's bytes at the positions `holds` compares: the first `length_` of
    // the head, or the last `length_` of the tail.
    char folded[16] = {};
    char case_bit[16] = {};
    char care[16] = {};
    const bool at_end = anchor == Glob::Anchor::kEnd;
    words_ = at_end ? EdgeWords::kTail : EdgeWords::kHead;
    const std::size_t at = at_end ? 16 - length_ : 0;
    std::memcpy(folded + at, literal.folded_data(), length_);
    std::memcpy(case_bit + at, literal.case_bit_data(), length_);
    std::memcpy(care + at, literal.care_data(), length_);
    std::memcpy(folded_, folded, sizeof folded);
    std::memcpy(case_bit_, case_bit, sizeof case_bit);
    std::memcpy(care_, care, sizeof care);
    // The literal's byte at the subject's far end from the anchor: the last of a
    // prefix, the first of a suffix.
    const std::size_t far = at_end ? at : length_ - 1;
    size_shown_by_bytes_ =
        anchor != Glob::Anchor::kWhole && length_ != 0 && care[far] != '\0' && folded[far] != '\0';
  }

  // Exactly `glob.match(subject)`, where `words` are `subject`'s.
  bool holds(std::string_view subject, const EdgeWords& words) const {
    // With `?`, bytes answer for ASCII subjects only.
    if (needs_ascii_ && !words.is_ascii(subject)) return glob_->match(subject);
    return holds_bytes(words);
  }

  // `holds` for a subject whose bytes answer: any subject when `!needs_ascii()`, else
  // an ASCII one.
  bool holds_bytes(const EdgeWords& subject) const {
    if (!size_fits(subject.size)) return false;
    const std::uint64_t* w = subject.words + words_;
#if defined(__SSE2__)
    // Both words at once: 16 bytes compared, equal where the subject byte matches.
    const auto load = [](const std::uint64_t* pair) {
      return _mm_load_si128(reinterpret_cast<const __m128i*>(pair));
    };
    const __m128i masked = _mm_and_si128(_mm_or_si128(load(w), load(case_bit_)), load(care_));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(masked, load(folded_))) == 0xFFFF;
#else
    const std::uint64_t differ0 = ((w[0] | case_bit_[0]) & care_[0]) ^ folded_[0];
    const std::uint64_t differ1 = ((w[1] | case_bit_[1]) & care_[1]) ^ folded_[1];
    return (differ0 | differ1) == 0;
#endif
  }

  // Whether the bytes alone answer for the size, so that `bytes_hold_at` may skip
  // `size_fits`: the literal is anchored at one end (a prefix or suffix) and its byte at
  // the other end must match and is not NUL. A subject too short for the literal has a
  // 0 byte there in its edge words (bytes it lacks are 0), which such a byte never
  // matches: ((0 | case_bit) & care) is 0 or 0x20, its folded byte neither (a folded
  // letter is lower case).
  bool size_shown_by_bytes() const { return size_shown_by_bytes_; }
  // The subject's words this literal compares: EdgeWords::kHead or EdgeWords::kTail.
  std::size_t words() const { return words_; }

  // `holds_bytes` without the size check, for a literal whose `size_shown_by_bytes()`
  // or a subject whose size `size_fits`: `pair` is the subject's words at `words()`.
  bool bytes_hold_at(const std::uint64_t* pair) const {
#if defined(__SSE2__)
    const auto load = [](const std::uint64_t* at) {
      return _mm_load_si128(reinterpret_cast<const __m128i*>(at));
    };
    const __m128i masked = _mm_and_si128(_mm_or_si128(load(pair), load(case_bit_)), load(care_));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(masked, load(folded_))) == 0xFFFF;
#else
    const std::uint64_t differ0 = ((pair[0] | case_bit_[0]) & care_[0]) ^ folded_[0];
    const std::uint64_t differ1 = ((pair[1] | case_bit_[1]) & care_[1]) ^ folded_[1];
    return (differ0 | differ1) == 0;
#endif
  }

  // Whether a subject of `size` bytes has room for the literal where it must sit; when
  // not, `holds_bytes` is false whatever the bytes (`holds` too, unless needs_ascii():
  // a `?` may stand for a character of several bytes).
  bool size_fits(std::size_t size) const { return size - length_ <= max_extra_; }

  bool needs_ascii() const { return needs_ascii_; }

 private:
  alignas(16) std::uint64_t folded_[2] = {0, 0};
  alignas(16) std::uint64_t case_bit_[2] = {0, 0};
  alignas(16) std::uint64_t care_[2] = {0, 0};
  std::size_t length_ = 0;
  std::size_t max_extra_ = 0;  // how many bytes the subject may have past `length_`
  std::size_t words_ = EdgeWords::kHead;
  bool needs_ascii_ = false;
  bool size_shown_by_bytes_ = false;
  const Glob* glob_ = nullptr;
};

}  // namespace gatetrace
