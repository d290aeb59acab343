#include "gatetrace/sampling/rule_list.h"

#include <algorithm>
#include <type_traits>

#include "gatetrace/sampling/span_matcher.h"

namespace gatetrace {
RuleList::Test RuleList::compile(std::string_view pattern) {
  Test test;
  test.glob = &globs_.emplace_back(pattern);
  if (EdgeLiteral::applies_to(*test.glob)) {
    test.literal = EdgeLiteral(*test.glob);
    test.how = test.literal.needs_ascii() ? How::kAsciiLiteral : How::kLiteral;
  }
  return test;
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
    const std::string_view pattern = patterns[field];
    std::vector<std::string>& known = group.field_patterns[field];
    const auto same = std::find(known.begin(), known.end(), pattern);
    if (same != known.end()) {
      group.field_tests[field][static_cast<std::size_t>(same - known.begin())].rules |= bit;
      continue;
    }
    if (Glob(pattern).matches_everything()) {
      group.unconstrained[field] |= bit;
      continue;
    }
    known.emplace_back(pattern);
    group.field_tests[field].push_back({bit, compile(pattern)});
  }
  // A tag glob of stars still needs the tag: kept.
  for (const auto& tag : tags) {
    // Named, not a structured binding: C++17 lambdas cannot capture those (clang rejects it).
    const std::string& key = tag.first;
    const std::string& pattern = tag.second;
    const auto known = std::find_if(tag_keys_.begin(), tag_keys_.end(),
                                    [&key](const TagKey& known) { return known.text == key; });
    const auto index = static_cast<std::uint32_t>(known - tag_keys_.begin());
    if (known == tag_keys_.end()) {
      TagKey& added = tag_keys_.emplace_back();
      added.text = key;
      // Interned now, whether or not a span has the key yet: rules are few.
      added.id = SpanString::intern(key);
    }
    const std::uint32_t cache_bit = index < kCachedKeys ? std::uint32_t{1} << index : 0;
    group.tag_tests.push_back({index, cache_bit, compile(pattern)});
  }
  group.tag_begin.push_back(static_cast<std::uint32_t>(group.tag_tests.size()));
  for (std::size_t field = 0; field < kFields; ++field) {
    group.head_tests[field].clear();
    group.tail_tests[field].clear();
    group.literal_tests[field].clear();
    group.other_tests[field].clear();
    for (const FieldTest& field_test : group.field_tests[field]) {
      const Test& test = field_test.test;
      std::vector<FieldTest>* list = group.other_tests;
      if (test.how == How::kLiteral && test.literal.size_shown_by_bytes()) {
        list = test.literal.words() == EdgeWords::kHead ? group.head_tests : group.tail_tests;
      } else if (test.how == How::kLiteral) {
        list = group.literal_tests;
      }
      list[field].push_back(field_test);
    }
  }
  ++group.count;
  ++size_;
}

std::uint64_t RuleList::fields_match(const Group& group, const EdgeWords (&words)[kFields],
                                     const std::string_view (&fields)[kFields],
                                     std::uint64_t candidates) {
  // The rules whose condition on `field` holds, as far as candidates go. With
  // `skip_ruled_out`, only tests that could still decide something are made: one of
  // their rules is a candidate. The first field goes without that check, which there
  // rarely skips anything (the caller starts from the whole group).
  const auto field_holds = [&](std::size_t field, auto skip_ruled_out) {
    std::uint64_t holds = group.unconstrained[field];
    const EdgeWords& subject = words[field];
    for (const FieldTest& field_test : group.head_tests[field]) {
      if (skip_ruled_out && (field_test.rules & candidates) == 0) continue;
      if (field_test.test.literal.bytes_hold_at(subject.words + EdgeWords::kHead)) {
        holds |= field_test.rules;
      }
    }
    for (const FieldTest& field_test : group.tail_tests[field]) {
      if (skip_ruled_out && (field_test.rules & candidates) == 0) continue;
      if (field_test.test.literal.bytes_hold_at(subject.words + EdgeWords::kTail)) {
        holds |= field_test.rules;
      }
    }
    for (const FieldTest& field_test : group.literal_tests[field]) {
      if (skip_ruled_out && (field_test.rules & candidates) == 0) continue;
      if (field_test.test.literal.holds_bytes(subject)) holds |= field_test.rules;
    }
    for (const FieldTest& field_test : group.other_tests[field]) {
      if (skip_ruled_out && (field_test.rules & candidates) == 0) continue;
      if (field_test.test.holds(fields[field], subject)) holds |= field_test.rules;
    }
    return holds;
  };
  candidates &= field_holds(0, std::false_type{});
  for (std::size_t field = 1; field < kFields && candidates != 0; ++field) {
    candidates &= field_holds(field, std::true_type{});
  }
  return candidates;
}

// The key's intern id, taken when compiling, names it in `meta` without a lookup.
inline TagLookup RuleList::find_value(const Meta& meta, const TagKey& key) {
  return key.id != 0 ? meta.find_known(key.id) : meta.find(key.text);
}

bool RuleList::tag_holds(const TagTest& tag, const SpanData& span, TagValues& values) const {
  TagLookup value;
  if (tag.cache_bit != 0) {
    if ((values.looked_up & tag.cache_bit) == 0) {
      values.value[tag.key] = find_value(span.meta, tag_keys_[tag.key]);
      values.looked_up |= tag.cache_bit;
    }
    value = values.value[tag.key];
  } else {
    value = find_value(span.meta, tag_keys_[tag.key]);
  }
  if (value != nullptr) {
    // A tag value is read once per test: its edge words only when they are compared,
    // and not for a plain literal that its size already rules out.
    const EdgeLiteral& literal = tag.test.literal;
    if (tag.test.how == How::kLiteral) {
      if (!literal.size_fits(value->size())) return false;
      const EdgeWords words(*value);
      return literal.bytes_hold_at(words.words + literal.words());
    }
    return tag.test.uses_words() ? tag.test.holds(*value, EdgeWords(*value))
                                 : tag.test.glob->match(*value);
  }
  const double* metric = span.metrics.find(tag_keys_[tag.key].text);
  return metric != nullptr && metric_matches(*metric, *tag.test.glob);
}

bool RuleList::tags_match(const Group& group, std::size_t rule, const SpanData& span,
                          TagValues& values) const {
  const TagTest* const tests = group.tag_tests.data();
  const TagTest* const end = tests + group.tag_begin[rule + 1];
  for (const TagTest* tag = tests + group.tag_begin[rule]; tag != end; ++tag) {
    if (!tag_holds(*tag, span, values)) return false;
  }
  return true;
}

std::size_t RuleList::first_match(const SpanData& span) const {
  const std::string_view fields[kFields] = {span.service, span.name, span.resource};
  const EdgeWords words[kFields] = {EdgeWords(fields[0]), EdgeWords(fields[1]),
                                    EdgeWords(fields[2])};
  TagValues values;
  for (const Group& group : groups_) {
    const std::uint64_t all =
        group.count == kGroupRules ? ~std::uint64_t{0} : (std::uint64_t{1} << group.count) - 1;
    // Lowest bit first: the group's rules in order.
    for (std::uint64_t left = fields_match(group, words, fields, all); left != 0;
         left &= left - 1) {
      const auto rule = static_cast<std::size_t>(__builtin_ctzll(left));
      if (tags_match(group, rule, span, values)) return group.first_rule + rule;
    }
  }
  return kNoMatch;
}

}  // namespace gatetrace
