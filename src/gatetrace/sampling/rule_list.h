// RuleList: a sampler's rules (each a SpanMatcher's conditions, see span_matcher.h)
// compiled for finding the first rule that matches a span. It answers exactly as
// trying each rule's SpanMatcher in turn; it is only cheaper:
//   - rules are taken 64 at a time (a `Group`), one bit per rule. Each distinct
//     condition on the service, name or resource is tested once per decision, for all
//     the group's rules that state it, and only while one of those rules can still
//     match; ANDing the fields' answers leaves the rules whose three globs match (a
//     glob of only stars is no condition). Tags are then tried rule by rule, lowest
//     bit first, so the first of those whose tags also match is the answer;
//   - a literal of up to 16 bytes (a glob's exact, prefix and suffix classes, `?`
//     included) compares with two masked words against the subject's first or last
//     16 bytes, loaded once per decision (edge_words.h);
//   - a tag key named by several rules is looked up in `meta` once per decision.
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

  // The index of the first rule that `span` matches, else kNoMatch.
  std::size_t first_match(const SpanData& span) const;

  std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t kFields = 3;  // service, name, resource
  static constexpr std::size_t kGroupRules = 64;

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

    bool uses_words() const { return how != How::kGlob; }
    // `words` are `subject`'s (unused for kGlob).
    bool holds(std::string_view subject, const EdgeWords& words) const {
      if (how == How::kLiteral) return literal.holds_bytes(words);
      if (how == How::kAsciiLiteral && words.is_ascii(subject)) return literal.holds_bytes(words);
      return glob->match(subject);
    }
  };
  // A distinct glob on one field, and the group's rules that state it.
  struct FieldTest {
    std::uint64_t rules = 0;
    Test test;
  };
  struct TagTest {
    std::uint32_t key = 0;        // index in `tag_keys_`
    std::uint32_t cache_bit = 0;  // the key's bit in TagValues, 0 if not cached
    Test test;
  };
  struct Group {
    std::size_t first_rule = 0;  // the index of bit 0's rule
    std::size_t count = 0;
    // By field: the rules without a condition on it, and the field's distinct tests.
    std::uint64_t unconstrained[kFields] = {0, 0, 0};
    std::vector<FieldTest> field_tests[kFields];
    // The patterns of `field_tests`, to find a repeated one when compiling.
    std::vector<std::string> field_patterns[kFields];
    // `field_tests` as evaluated, each kind in a tight loop without dispatch: the
    // kLiteral ones whose bytes answer for the subject's size (edge_words.h), against
    // the head words or the tail words, then the other kLiteral ones (with a size
    // check), then the others.
    std::vector<FieldTest> head_tests[kFields];
    std::vector<FieldTest> tail_tests[kFields];
    std::vector<FieldTest> literal_tests[kFields];
    std::vector<FieldTest> other_tests[kFields];
    // Rule r's tag tests are tag_tests[tag_begin[r] .. tag_begin[r + 1]).
    std::vector<TagTest> tag_tests;
    std::vector<std::uint32_t> tag_begin = {0};
  };

  // The `meta` values of the first kCachedKeys tag keys, looked up at most once per
  // decision (null: not in `meta`). Slots are only read once their `looked_up` bit is set.
  static constexpr std::size_t kCachedKeys = 32;
  struct TagValues {
    std::uint32_t looked_up = 0;
    TagLookup value[kCachedKeys];
  };

  Test compile(std::string_view pattern);
  // The group's rules among `candidates` whose service, name and resource globs match.
  static std::uint64_t fields_match(const Group& group, const EdgeWords (&words)[kFields],
                                    const std::string_view (&fields)[kFields],
                                    std::uint64_t candidates);
  bool tags_match(const Group& group, std::size_t rule, const SpanData& span,
                  TagValues& values) const;
  bool tag_holds(const TagTest& tag, const SpanData& span, TagValues& values) const;

  std::deque<Glob> globs_;  // stable addresses for Test::glob
  // A tag key, with its intern id (span_string.h; 0 if the table did not take it): a
  // span's meta is searched by id, one 4-byte compare per entry at most.
  struct TagKey {
    std::string text;
    std::uint32_t id = 0;
  };
  static TagLookup find_value(const Meta& meta, const TagKey& key);

  std::vector<TagKey> tag_keys_;
  std::vector<Group> groups_;
  std::size_t size_ = 0;
};

}  // namespace gatetrace
