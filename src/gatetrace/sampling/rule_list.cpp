#include "gatetrace/sampling/rule_list.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <new>
#include <type_traits>

#include "gatetrace/sampling/field_memo.h"
#include "gatetrace/sampling/span_matcher.h"

namespace gatetrace {
namespace {

// The decision's EdgeWords are an array; a WordTest names its words and its size by
// byte offset into it.
static_assert(offsetof(EdgeWords, words) == 0, "EdgeWords::words first");

inline const std::uint64_t* words_at(const EdgeWords* words, std::uint32_t at) {
  return reinterpret_cast<const std::uint64_t*>(reinterpret_cast<const char*>(words) + at);
}

inline std::size_t size_at(const EdgeWords* words, std::uint32_t at) {
  return *reinterpret_cast<const std::size_t*>(reinterpret_cast<const char*>(words) + at);
}

}  // namespace

RuleList::Test RuleList::compile(std::string_view pattern) {
  Test test;
  test.glob = &globs_.emplace_back(pattern);
  if (EdgeLiteral::applies_to(*test.glob)) {
    test.literal = EdgeLiteral(*test.glob);
    test.how = test.literal.needs_ascii() ? How::kAsciiLiteral : How::kLiteral;
  }
  return test;
}

void RuleList::add_field_glob(Group& group, std::size_t field, std::string_view pattern,
                              std::uint64_t bit) {
  std::vector<FieldGlob>& known = group.field_globs[field];
  const auto same = std::find_if(known.begin(), known.end(), [pattern](const FieldGlob& glob) {
    return glob.pattern == pattern;
  });
  if (same != known.end()) {
    switch (same->list) {
      case List::kShown:
        group.shown_by_field[field][same->index].rules |= bit;
        break;
      case List::kSized:
        group.sized_by_field[field][same->index].rules |= bit;
        break;
      case List::kOther:
        group.other_tests[same->index].rules |= bit;
        break;
    }
    return;
  }
  if (Glob(pattern).matches_everything()) return;  // no condition
  const Test test = compile(pattern);
  if (test.how == How::kLiteral) {
    WordTest word_test;
    word_test.literal = test.literal;
    word_test.rules = bit;
    word_test.words_at = static_cast<std::uint32_t>(field * sizeof(EdgeWords) +
                                                    test.literal.words() * sizeof(std::uint64_t));
    word_test.size_at =
        static_cast<std::uint32_t>(field * sizeof(EdgeWords) + offsetof(EdgeWords, size));
    const bool shown = test.literal.size_shown_by_bytes();
    std::vector<WordTest>& list = shown ? group.shown_by_field[field] : group.sized_by_field[field];
    known.push_back({std::string(pattern), shown ? List::kShown : List::kSized,
                     static_cast<std::uint32_t>(list.size())});
    list.push_back(word_test);
    return;
  }
  known.push_back(
      {std::string(pattern), List::kOther, static_cast<std::uint32_t>(group.other_tests.size())});
  group.other_tests.push_back({test, bit, static_cast<std::uint32_t>(field)});
}

void RuleList::add(std::string_view service, std::string_view name, std::string_view resource,
                   const std::vector<std::pair<std::string, std::string>>& tags) {
  if (groups_.empty() || groups_.back().count == kGroupRules) {
    groups_.emplace_back().first_rule = size_;
  }
  Group& group = groups_.back();
  const std::uint64_t bit = std::uint64_t{1} << group.count;
  const std::string_view patterns[kFields] = {service, name, resource};
  for (std::size_t field = 0; field < kFields; ++field) {
    add_field_glob(group, field, patterns[field], bit);
  }
  // A tag glob of stars still needs the tag: kept.
  for (const auto& tag : tags) {
    // Named, not a structured binding: C++17 lambdas cannot capture those (clang rejects it).
    const std::string& key = tag.first;
    const std::string& pattern = tag.second;
    const auto known = std::find(tag_keys_.begin(), tag_keys_.end(), key);
    const auto index = static_cast<std::uint32_t>(known - tag_keys_.begin());
    if (known == tag_keys_.end()) tag_keys_.push_back(key);
    TagTest tag_test;
    tag_test.test = compile(pattern);
    tag_test.key = index;
    // Interned now, whether or not a span has the key yet: rules are few.
    tag_test.key_id = SpanString::intern(key);
    tag_test.cache_bit = index < kCachedKeys ? std::uint32_t{1} << index : 0;
    tag_test.slot = index < kCachedKeys ? index : static_cast<std::uint32_t>(kCachedKeys);
    group.tag_tests.push_back(tag_test);
  }
  // The evaluated lists, field by field.
  const auto flatten = [](const std::vector<WordTest>(&by_field)[kFields],
                          std::vector<WordTest>& tests, std::size_t& checked_from) {
    tests.clear();
    for (const std::vector<WordTest>& field_tests : by_field) {
      tests.insert(tests.end(), field_tests.begin(), field_tests.end());
    }
    checked_from = by_field[0].size();
  };
  flatten(group.shown_by_field, group.shown_tests, group.shown_checked_from);
  flatten(group.sized_by_field, group.sized_tests, group.sized_checked_from);
  group.check_later = group.shown_tests.size() - group.shown_checked_from +
                          group.sized_tests.size() - group.sized_checked_from >
                      kUncheckedTests;
  group.all |= bit;
  ++group.count;
  group.tag_begin[group.count] = static_cast<std::uint32_t>(group.tag_tests.size());
  ++size_;
  serial_ = next_serial();  // answers memoized for the rules before this one no longer hold
}

// Inline into first_match: a call would save and restore its registers once more.
[[gnu::always_inline]] inline std::uint64_t RuleList::ruled_out(
    const Group& group, const EdgeWords (&words)[kFields],
    const std::string_view (&fields)[kFields]) {
  // Every test is pure, so their order does not matter: the cheap literal compares
  // first, then the others. Only the service's literals are made whatever the rules
  // (there, checking whether a test can still decide something would rarely skip one);
  // the rest only while one of their rules is still in.
  std::uint64_t out = 0;
  const WordTest* const shown = group.shown_tests.data();
  const WordTest* const sized = group.sized_tests.data();
  const auto shown_fails = [&words](const WordTest& test) {
    return !test.literal.bytes_hold_at(words_at(words, test.words_at));
  };
  const auto sized_fails = [&words](const WordTest& test) {
    return !test.literal.size_fits(size_at(words, test.size_at)) ||
           !test.literal.bytes_hold_at(words_at(words, test.words_at));
  };
  for (const WordTest* test = shown; test != shown + group.shown_checked_from; ++test) {
    if (shown_fails(*test)) out |= test->rules;
  }
  for (const WordTest* test = sized; test != sized + group.sized_checked_from; ++test) {
    if (sized_fails(*test)) out |= test->rules;
  }
  // The name's and the resource's literals, checked or not (see Group::check_later).
  const auto later_fields = [&](auto check) {
    for (const WordTest* test = shown + group.shown_checked_from;
         test != shown + group.shown_tests.size(); ++test) {
      if ((!check || (test->rules & ~out) != 0) && shown_fails(*test)) out |= test->rules;
    }
    for (const WordTest* test = sized + group.sized_checked_from;
         test != sized + group.sized_tests.size(); ++test) {
      if ((!check || (test->rules & ~out) != 0) && sized_fails(*test)) out |= test->rules;
    }
  };
  if (group.check_later) {
    later_fields(std::true_type{});
  } else {
    later_fields(std::false_type{});
  }
  for (const FieldTest& test : group.other_tests) {
    if ((test.rules & ~out) == 0) continue;
    if (!test.test.holds(fields[test.field], words[test.field])) out |= test.rules;
  }
  return out;
}

inline bool RuleList::look_up(const TagTest& tag, const Meta& meta, TagValues& values) const {
  // The key's intern id, taken when compiling, names it in `meta` without a lookup.
  const TagLookup value =
      tag.key_id != 0 ? meta.find_known(tag.key_id) : meta.find(tag_keys_[tag.key]);
  values.looked_up |= tag.cache_bit;
  if (!value) return false;
  values.found |= tag.cache_bit;
  values.data[tag.slot] = value->data();
  values.size[tag.slot] = value->size();
  return true;
}

[[gnu::noinline]] bool RuleList::metric_holds(const TagTest& tag, const SpanData& span) const {
  const double* metric = span.metrics.find(tag_keys_[tag.key]);
  return metric != nullptr && metric_matches(*metric, *tag.test.glob);
}

[[gnu::noinline]] bool RuleList::glob_holds(const Test& test, std::string_view value) {
  return test.glob->match(value);
}

inline bool RuleList::tag_holds(const TagTest& tag, const SpanData& span, TagValues& values) const {
  const bool found = (values.looked_up & tag.cache_bit) != 0 ? (values.found & tag.cache_bit) != 0
                                                             : look_up(tag, span.meta, values);
  if (!found) return metric_holds(tag, span);
  const std::string_view value(values.data[tag.slot], values.size[tag.slot]);
  // A tag value is read once per test: its edge words only when they are compared,
  // and not for a plain literal that its size already rules out (a `?` may stand for
  // several bytes).
  const Test& test = tag.test;
  if (test.how == How::kGlob) return glob_holds(test, value);
  if (test.how == How::kLiteral && !test.literal.size_fits(value.size())) return false;
  const EdgeWords words(value);
  if (test.how == How::kAsciiLiteral && !words.is_ascii(value)) return glob_holds(test, value);
  return test.literal.holds_bytes(words);
}

std::size_t RuleList::first_match_in_groups(const SpanData& span) const {
  const std::uint64_t fields_key = FieldMemo::key_of(span);
  FieldMemo* const memo = fields_key != 0 ? FieldMemo::for_this_thread() : nullptr;
  // The fields and their edge words are read only when the memo does not answer.
  std::string_view fields[kFields];
  EdgeWords words[kFields];
  bool loaded = false;
  TagValues values;
  for (std::size_t index = 0; index < groups_.size(); ++index) {
    const Group& group = groups_[index];
    FieldMemo::Entry* entry = nullptr;
    std::uint64_t group_key = 0;
    if (memo != nullptr && index < FieldMemo::kMaxGroups) {
      group_key = FieldMemo::with_group(fields_key, index);
      entry = &memo->slot(serial_, group_key);
    }
    std::uint64_t out;
    if (entry != nullptr && entry->holds(serial_, group_key)) {
      out = entry->ruled_out;
    } else {
      if (!loaded) {
        fields[0] = span.service;
        fields[1] = span.name;
        fields[2] = span.resource;
        // Loaded in place (EdgeWords is trivially destructible): no copy of a temporary.
        for (std::size_t field = 0; field < kFields; ++field) {
          new (&words[field]) EdgeWords(fields[field]);
        }
        loaded = true;
      }
      out = ruled_out(group, words, fields);
      if (entry != nullptr) *entry = {group_key, serial_, out};
    }
    const TagTest* const tags = group.tag_tests.data();
    // Lowest bit first: the group's rules in order.
    for (std::uint64_t left = group.all & ~out; left != 0; left &= left - 1) {
      const auto rule = static_cast<std::size_t>(__builtin_ctzll(left));
      const TagTest* tag = tags + group.tag_begin[rule];
      const TagTest* const end = tags + group.tag_begin[rule + 1];
      while (tag != end && tag_holds(*tag, span, values)) ++tag;
      if (tag == end) return group.first_rule + rule;
    }
  }
  return kNoMatch;
}

std::uint64_t RuleList::next_serial() {
  // Starts at 1: a zeroed memo entry names no list.
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace gatetrace
