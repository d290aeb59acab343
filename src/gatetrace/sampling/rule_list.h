// RuleList: a sampler's rules (each a SpanMatcher's conditions, see span_matcher.h)
// compiled for finding the first rule that matches a span. It answers exactly as
// trying each rule's SpanMatcher in turn; it is only cheaper:
//   - rules are taken 64 at a time (a `Group`), one bit per rule. Each distinct
//     condition on the service, name or resource is tested once per decision, for all
//     the group's rules that state it. A rule states at most one condition per field,
//     so a failed test rules out exactly its rules: the tests of all three fields run
//     in one flat pass that collects the rules ruled out (a glob of only stars is no
//     condition). Tags are then tried rule by rule, lowest bit first, among the rules
//     left, so the first of those whose tags also match is the answer;
//   - a literal of up to 16 bytes (a glob's exact, prefix and suffix classes, `?`
//     included) compares with two masked words against the subject's first or last
//     16 bytes, loaded once per decision (edge_words.h);
//   - a tag key named by several rules is looked up in `meta` once per decision, by
//     the intern id taken when compiling (one 4-byte compare per entry);
//   - what the field tests ruled out is remembered per thread for the field texts last
//     seen (field_memo.h), so a span whose service, name and resource repeat skips them.
//
// Compiled once from configuration; `first_match` neither allocates nor locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gatetrace/sampling/edge_words.h"
#include "gatetrace/sampling/glob.h"
#include "gatetrace/span_data.h"

namespace gatetrace {

class RuleList {
 public:
  static constexpr std::size_t kNoMatch = static_cast<std::size_t>(-1);

  // Appends a rule; indices count from 0 in the order of the calls.
  void add(std::string_view service, std::string_view name, std::string_view resource,
           const std::vector<std::pair<std::string, std::string>>& tags = {});

  // The index of the first rule that `span` matches, else kNoMatch. Inline for a list
  // without rules (a tracer without sampling rules): no call, no frame set up.
  std::size_t first_match(const SpanData& span) const {
    return groups_.empty() ? kNoMatch : first_match_in_groups(span);
  }

  std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t kFields = 3;  // service, name, resource
  static constexpr std::size_t kGroupRules = 64;
  static constexpr std::size_t kUncheckedTests = 8;

  // A glob on a subject: an EdgeLiteral when one applies, else the glob's own match.
  enum class How : std::uint8_t {
    kLiteral,       // literal.holds_bytes
    kAsciiLiteral,  // with `?`: literal.holds_bytes for ASCII subjects, else glob->match
    kGlob,
  };
  struct Test {
    EdgeLiteral literal;
    const Glob* glob = nullptr;
    How how = How::kGlob;

    // `words` are `subject`'s (unused for kGlob).
    bool holds(std::string_view subject, const EdgeWords& words) const {
      if (how == How::kLiteral) return literal.holds_bytes(words);
      if (how == How::kAsciiLiteral && words.is_ascii(subject)) return literal.holds_bytes(words);
      return glob->match(subject);
    }
  };

  // A plain literal on a field, compared with the field's edge words: `words_at` and
  // `size_at` are byte offsets into the decision's EdgeWords array (the field's head or
  // tail words, and its size), so that a test needs no per-field arithmetic.
  struct WordTest {
    EdgeLiteral literal;
    std::uint64_t rules = 0;  // the group's rules that state this glob
    std::uint32_t words_at = 0;
    std::uint32_t size_at = 0;
  };
  // Any other glob on a field (with `?`, longer than 16 bytes, or general).
  struct FieldTest {
    Test test;
    std::uint64_t rules = 0;
    std::uint32_t field = 0;
  };
  // Where a field's distinct glob went when compiled, to find a repeated one.
  enum class List : std::uint8_t { kShown, kSized, kOther };
  struct FieldGlob {
    std::string pattern;
    List list;
    std::uint32_t index;
  };
  struct TagTest {
    Test test;
    std::uint32_t key = 0;        // index in `tag_keys_`
    std::uint32_t key_id = 0;     // the key's intern id, 0 if the table did not take it
    std::uint32_t cache_bit = 0;  // the key's bit in TagValues, 0 if not cached
    std::uint32_t slot = 0;       // its slot in TagValues (kCachedKeys if not cached)
  };
  struct Group {
    std::size_t first_rule = 0;  // the index of bit 0's rule
    std::size_t count = 0;
    std::uint64_t all = 0;  // a bit for each of the group's rules
    // The distinct field globs, by how they are evaluated: literals whose bytes answer
    // for the subject's size (edge_words.h), the other plain literals (with a size
    // check), the rest. As compiled, by field (FieldGlob::index points there)...
    std::vector<WordTest> shown_by_field[kFields];
    std::vector<WordTest> sized_by_field[kFields];
    std::vector<FieldGlob> field_globs[kFields];
    // ... and as evaluated: the service's literals first, always compared (few of them
    // can be skipped), then the name's and the resource's from `*_checked_from` on.
    // When these are more than kUncheckedTests (`check_later`), each is skipped once all
    // its rules are out: with many rules most are out by then, and the check costs
    // less than the compares it saves; with few it would cost more than it saves.
    std::vector<WordTest> shown_tests;
    std::vector<WordTest> sized_tests;
    std::size_t shown_checked_from = 0;
    std::size_t sized_checked_from = 0;
    bool check_later = false;
    std::vector<FieldTest> other_tests;
    // Rule r's tag tests are tag_tests[tag_begin[r] .. tag_begin[r + 1]).
    std::vector<TagTest> tag_tests;
    std::uint32_t tag_begin[kGroupRules + 1] = {0};
  };

  // The `meta` values of the first kCachedKeys tag keys, looked up at most once per
  // decision; the last slot holds the value of a key past those, for one test. Only
  // the slots whose `looked_up` bit is set are read, so they are left uninitialized
  // (zeroing them would cost more than the lookups).
  static constexpr std::size_t kCachedKeys = 32;
  struct TagValues {
    std::uint32_t looked_up = 0;
    std::uint32_t found = 0;  // among looked_up: in `meta`
    const char* data[kCachedKeys + 1];
    std::size_t size[kCachedKeys + 1];
  };

  // first_match for a list with rules.
  std::size_t first_match_in_groups(const SpanData& span) const;

  Test compile(std::string_view pattern);
  void add_field_glob(Group& group, std::size_t field, std::string_view pattern, std::uint64_t bit);
  // The group's rules that some glob on their service, name or resource rules out.
  // `words` are the fields' edge words.
  static std::uint64_t ruled_out(const Group& group, const EdgeWords (&words)[kFields],
                                 const std::string_view (&fields)[kFields]);
  bool tag_holds(const TagTest& tag, const SpanData& span, TagValues& values) const;
  // The lookup of a key not looked up yet in this decision: true when found, its value
  // then in its slot.
  bool look_up(const TagTest& tag, const Meta& meta, TagValues& values) const;
  // tag_holds' parts past its common case (a plain or `?` literal on a tag in `meta`
  // with an ASCII value), out of line: the key's metric, and the glob's own match.
  bool metric_holds(const TagTest& tag, const SpanData& span) const;
  static bool glob_holds(const Test& test, std::string_view value);

  // Names this rule set in FieldMemo keys: never reused, renewed by every add().
  static std::uint64_t next_serial();

  std::deque<Glob> globs_;  // stable addresses for Test::glob
  std::vector<std::string> tag_keys_;
  std::vector<Group> groups_;
  std::size_t size_ = 0;
  std::uint64_t serial_ = next_serial();
};

}  // namespace gatetrace
