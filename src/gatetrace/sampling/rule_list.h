// RuleList: a sampler's rules (each a SpanMatcher's conditions, see span_matcher.h)
// compiled into one flat array, for finding the first rule that matches a span. It
// answers exactly as trying each rule's SpanMatcher in turn; it is only cheaper:
//   - a rule matches iff all its conditions hold, so their order is free: each rule's
//     conditions are sorted cheapest first (whole literals, which mostly fail on the
//     length alone, then anchored literals, other globs, and tags last), and globs of
//     only stars on service, name or resource are dropped;
//   - a literal of up to 16 bytes without `?` (a glob's exact, prefix and suffix
//     classes) is kept inline in its condition as two folded words, so it compares
//     with two loads after a length check, without a call;
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

  std::size_t size() const { return rule_ends_.size(); }

 private:
  // What a condition reads: the span's service, name or resource, or a tag's value.
  enum Subject : std::uint8_t { kService, kName, kResource, kTag };
  // How: an inline literal equal to the whole subject / at its start / at its end, or
  // `glob->match`. kIs is kWhole on service, name or resource: the subject is
  // compared once per decision with the field's distinct whole literals
  // (`whole_literals_`), then each such condition compares that literal's index.
  enum How : std::uint8_t { kWhole, kStart, kEnd, kGlob, kIs };

  struct Condition {
    // The literal as a subject's bytes are loaded (see `literal_holds`): words [0] and
    // [1]. A subject word s matches when ((s | case_bit) & care) == folded.
    std::uint64_t folded[2] = {0, 0};
    std::uint64_t case_bit[2] = {0, 0};
    std::uint64_t care[2] = {0, 0};
    std::uint32_t length = 0;  // the literal's bytes
    Subject subject = kService;
    How how = kGlob;
    std::uint32_t tag = 0;       // for kTag: the key's index in `tag_keys_`
    std::uint32_t literal = 0;   // for kIs: the index in `whole_literals_[subject]`
    const Glob* glob = nullptr;  // always set: kGlob, and a tag found in `metrics`
  };

  // The `meta` values of the first kCachedKeys tag keys, looked up at most once per
  // decision (null: not in `meta`). Slots are only read once their `looked_up` bit is set.
  static constexpr std::size_t kCachedKeys = 32;
  struct TagValues {
    std::uint32_t looked_up = 0;
    const std::string* value[kCachedKeys];
  };

  static Condition compile(Subject subject, const Glob& glob);
  static bool literal_holds(const Condition& condition, std::string_view subject);
  // The index of the whole literal of `field` that `subject` equals, else kNone.
  // Distinct literals fold to distinct strings, so at most one is equal.
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  static constexpr std::uint32_t kUnknown = 0xFFFFFFFEu;
  std::uint32_t which_literal(Subject field, std::string_view subject) const;
  bool tag_holds(const Condition& condition, const SpanData& span, TagValues& values) const;

  std::deque<Glob> globs_;  // stable addresses for Condition::glob
  std::vector<std::string> tag_keys_;
  std::vector<Condition> whole_literals_[3];  // by Subject, distinct (kWhole)
  std::vector<Condition> conditions_;
  // Rule i's conditions are conditions_[rule_ends_[i - 1] .. rule_ends_[i]).
  std::vector<std::uint32_t> rule_ends_;
};

}  // namespace gatetrace
