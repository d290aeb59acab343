#include "gatetrace/sampling/rule_list.h"

#include <algorithm>

#include "gatetrace/sampling/span_matcher.h"

namespace gatetrace {
namespace {

// Evaluation order within a rule: lower first.
int cost_rank(bool tag, bool inline_literal, bool interned) {
  if (tag) return inline_literal ? 3 : 4;
  if (interned) return 0;
  return inline_literal ? 1 : 2;
}

}  // namespace

RuleList::Condition RuleList::compile(Subject subject, const Glob& glob) {
  using folded_bytes_detail::load1to3;
  using folded_bytes_detail::load4to8;
  using folded_bytes_detail::load64;
  Condition condition;
  condition.subject = subject;
  condition.glob = &glob;
  const FoldedBytes& literal = glob.literal();
  const std::size_t n = literal.size();
  if (glob.literal_anchor() == Glob::Anchor::kNone || n > 16) return condition;

  switch (glob.literal_anchor()) {
    case Glob::Anchor::kWhole:
      condition.how = kWhole;
      break;
    case Glob::Anchor::kStart:
      condition.how = kStart;
      break;
    default:
      condition.how = kEnd;
      break;
  }
  condition.length = static_cast<std::uint32_t>(n);
  // The same loads as `literal_holds` makes of the subject; a word the subject does not
  // load stays 0 (care 0 makes it match the subject's 0).
  const char* arrays[3] = {literal.folded_data(), literal.case_bit_data(), literal.care_data()};
  std::uint64_t* words[3] = {condition.folded, condition.case_bit, condition.care};
  for (int a = 0; a < 3; ++a) {
    if (n >= 8) {
      words[a][0] = load64(arrays[a]);
      words[a][1] = load64(arrays[a] + n - 8);
    } else if (n >= 4) {
      words[a][0] = load4to8(arrays[a], n);
    } else if (n != 0) {
      words[a][0] = load1to3(arrays[a], n);
    }
  }
  return condition;
}

void RuleList::add(std::string_view service, std::string_view name, std::string_view resource,
                   const std::vector<std::pair<std::string, std::string>>& tags) {
  std::vector<Condition> rule;
  const std::pair<Subject, std::string_view> fields[3] = {
      {kService, service}, {kName, name}, {kResource, resource}};
  for (const auto& [subject, pattern] : fields) {
    const Glob& glob = globs_.emplace_back(pattern);
    if (glob.matches_everything()) continue;
    Condition condition = compile(subject, glob);
    if (condition.how == kWhole) {
      std::vector<Condition>& known = whole_literals_[subject];
      const auto same = std::find_if(known.begin(), known.end(), [&](const Condition& other) {
        // Same length and folded bytes: the same literal (case bits follow the folded
        // bytes, care is all ones without `?`).
        return other.length == condition.length && other.folded[0] == condition.folded[0] &&
               other.folded[1] == condition.folded[1];
      });
      condition.literal = static_cast<std::uint32_t>(same - known.begin());
      if (same == known.end()) known.push_back(condition);
      condition.how = kIs;
    }
    rule.push_back(condition);
  }
  // A tag glob of stars still needs the tag: kept.
  for (const auto& [key, pattern] : tags) {
    Condition condition = compile(kTag, globs_.emplace_back(pattern));
    const auto known = std::find(tag_keys_.begin(), tag_keys_.end(), key);
    condition.tag = static_cast<std::uint32_t>(known - tag_keys_.begin());
    if (known == tag_keys_.end()) tag_keys_.push_back(key);
    rule.push_back(condition);
  }
  std::stable_sort(rule.begin(), rule.end(), [](const Condition& a, const Condition& b) {
    return cost_rank(a.subject == kTag, a.how != kGlob, a.how == kIs) <
           cost_rank(b.subject == kTag, b.how != kGlob, b.how == kIs);
  });
  conditions_.insert(conditions_.end(), rule.begin(), rule.end());
  rule_ends_.push_back(static_cast<std::uint32_t>(conditions_.size()));
}

inline bool RuleList::literal_holds(const Condition& condition, std::string_view subject) {
  using folded_bytes_detail::load1to3;
  using folded_bytes_detail::load4to8;
  using folded_bytes_detail::load64;
  const std::size_t n = condition.length;
  const std::size_t size = subject.size();
  if (condition.how == kWhole ? size != n : size < n) return false;
  const char* at = subject.data() + (condition.how == kEnd ? size - n : 0);
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  if (n >= 8) {
    first = load64(at);
    second = load64(at + n - 8);
  } else if (n >= 4) {
    first = load4to8(at, n);
  } else if (n != 0) {
    first = load1to3(at, n);
  }
  const std::uint64_t differ_first =
      ((first | condition.case_bit[0]) & condition.care[0]) ^ condition.folded[0];
  const std::uint64_t differ_second =
      ((second | condition.case_bit[1]) & condition.care[1]) ^ condition.folded[1];
  return (differ_first | differ_second) == 0;
}

std::uint32_t RuleList::which_literal(Subject field, std::string_view subject) const {
  const std::vector<Condition>& literals = whole_literals_[field];
  for (std::size_t i = 0; i < literals.size(); ++i) {
    if (literal_holds(literals[i], subject)) return static_cast<std::uint32_t>(i);
  }
  return kNone;
}

bool RuleList::tag_holds(const Condition& condition, const SpanData& span,
                         TagValues& values) const {
  const std::string& key = tag_keys_[condition.tag];
  const std::string* value;
  if (condition.tag < kCachedKeys) {
    const std::uint32_t bit = std::uint32_t{1} << condition.tag;
    if ((values.looked_up & bit) == 0) {
      values.value[condition.tag] = find_meta_value(span.meta, key);
      values.looked_up |= bit;
    }
    value = values.value[condition.tag];
  } else {
    value = find_meta_value(span.meta, key);
  }
  if (value != nullptr) {
    return condition.how == kGlob ? condition.glob->match(*value)
                                  : literal_holds(condition, *value);
  }
  const double* metric = span.metrics.find(key);
  return metric != nullptr && metric_matches(*metric, *condition.glob);
}

std::size_t RuleList::first_match(const SpanData& span) const {
  const std::string_view fields[3] = {span.service, span.name, span.resource};
  TagValues values;
  std::uint32_t literal_of[3] = {kUnknown, kUnknown, kUnknown};
  const Condition* const base = conditions_.data();
  const Condition* condition = base;
  for (std::size_t rule = 0; rule < rule_ends_.size(); ++rule) {
    const Condition* const end = base + rule_ends_[rule];
    for (;; ++condition) {
      if (condition == end) return rule;
      bool holds;
      const Subject subject = condition->subject;
      if (condition->how == kIs) {
        if (literal_of[subject] == kUnknown) {
          literal_of[subject] = which_literal(subject, fields[subject]);
        }
        holds = literal_of[subject] == condition->literal;
      } else if (subject == kTag) {
        holds = tag_holds(*condition, span, values);
      } else if (condition->how == kGlob) {
        holds = condition->glob->match(fields[subject]);
      } else {
        holds = literal_holds(*condition, fields[subject]);
      }
      if (!holds) break;
    }
    condition = end;
  }
  return kNoMatch;
}

}  // namespace gatetrace
