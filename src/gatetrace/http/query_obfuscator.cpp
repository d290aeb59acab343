#include "gatetrace/http/query_obfuscator.h"

#include <re2/re2.h>

#include <array>
#include <cstdint>

#include "gatetrace/error.h"
#include "gatetrace/trace/tracer_core.h"

namespace gatetrace {

// Datadog's default (dd-trace-java, -dotnet, -js agree on it): key names that hold
// secrets followed by `=value`, JSON-style `"key":"value"` pairs, bearer tokens,
// GitHub tokens, JWTs, PEM private keys and SSH public keys, with their URL-encoded forms.
const char* const kDefaultQueryObfuscationPattern =
    R"re((?i)(?:"|%22)?(?:(?:old[-_]?|new[-_]?)?p(?:ass)?w(?:or)?d(?:1|2)?|pass(?:[-_]?phrase)?|secret|(?:api[-_]?|private[-_]?|public[-_]?|access[-_]?|secret[-_]?)key(?:[-_]?id)?|token|consumer[-_]?(?:id|key|secret)|sign(?:ed|ature)?|auth(?:entication|orization)?)(?:(?:\s|%20)*(?:=|%3D)[^&]+|(?:"|%22)(?:\s|%20)*(?::|%3A)(?:\s|%20)*(?:"|%22)(?:%2[^2]|%[^2]|[^"%])+(?:"|%22))|bearer(?:\s|%20)+[a-z0-9._\-]+|token(?::|%3A)[a-z0-9]{13}|gh[opsu]_[0-9a-zA-Z]{36}|ey[I-L](?:[\w=-]|%3D)+\.ey[I-L](?:[\w=-]|%3D)+(?:\.(?:[\w.+/=-]|%3D|%2F|%2B)+)?|-{5}BEGIN(?:[a-z\s]|%20)+PRIVATE(?:\s|%20)KEY-{5}[^\-]+-{5}END(?:[a-z\s]|%20)+PRIVATE(?:\s|%20)KEY(?:-{5})?(?:\n|%0A)?|(?:ssh-(?:rsa|dss)|ecdsa-[a-z0-9]+-[a-z0-9]+)(?:\s|%20|%09)+(?:[a-z0-9/.+]|%2F|%5C|%2B){100,}(?:=|%3D)*(?:(?:\s|%20|%09)+[a-z0-9._-]+)?)re";

namespace {

// Whether `text` holds `lowercase` at `at`, ASCII letters in any case. A byte matches
// when it equals the needle's byte with the case bit (0x20) set: exact for letters; for
// '-' a control byte (CR) passes too, which only costs a needless RE2 search.
bool holds_at(std::string_view text, std::size_t at, std::string_view lowercase) noexcept {
  if (text.size() - at < lowercase.size()) return false;
  for (std::size_t i = 0; i < lowercase.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[at + i]);
    if ((byte | 0x20) != static_cast<unsigned char>(lowercase[i])) return false;
  }
  return true;
}

// Every match of the default pattern contains one of these, ASCII letters in any case
// (p(ass)?w: "pw" or "pass"; every key name and JWTs: "ey"; ...).
constexpr std::string_view kDefaultPatternWords[] = {
    "pw",    "pass",     "secret", "sign",   "ssh-", "ey",   "ecdsa-",
    "token", "consumer", "auth",   "bearer", "gh",   "-----"};

// By a byte with the case bit set: bit (b & 31) for each byte b that follows it as the
// second letter of a word; 0 when no word begins with it. (Bytes that share their low
// five bits pass together, which only costs a needless comparison.)
constexpr std::array<std::uint32_t, 128> kSecondLetters = [] {
  std::array<std::uint32_t, 128> table{};
  for (std::string_view word : kDefaultPatternWords) {
    table[static_cast<unsigned char>(word[0])] |= std::uint32_t{1} << (word[1] & 31);
  }
  return table;
}();

// The query string of `url`: between the first '?' and the next '#' or the end; empty
// when there is none.
std::string_view query_of(std::string_view url) {
  const std::size_t question = url.find('?');
  if (question == std::string_view::npos) return {};
  const std::size_t end = url.find('#', question);
  return url.substr(question + 1, end == std::string_view::npos ? end : end - question - 1);
}

std::unique_ptr<re2::RE2> compile(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  // The default pattern's `{100,}` unrolls into a large program.
  options.set_max_mem(64 << 20);
  auto regex = std::make_unique<re2::RE2>(pattern, options);
  if (!regex->ok()) return nullptr;
  return regex;
}

}  // namespace

bool may_match_default_pattern(std::string_view query) noexcept {
  for (std::size_t i = 0; i < query.size(); ++i) {
    const auto byte = static_cast<unsigned char>(query[i]);
    // Under (?i) RE2 folds some non-ASCII letters onto ASCII ones (U+017F onto 's',
    // U+212A onto 'k'): such a query is left to RE2.
    if (byte >= 0x80) return true;
    // Most bytes begin no word, and most of the rest are not followed by a word's second
    // letter: two table lookups settle them.
    const std::uint32_t seconds = kSecondLetters[byte | 0x20];
    if (seconds == 0) continue;
    const auto next = i + 1 < query.size() ? static_cast<unsigned char>(query[i + 1]) : 0;
    if (((seconds >> (next & 31)) & 1) == 0) continue;
    for (std::string_view word : kDefaultPatternWords) {
      if (holds_at(query, i, word)) return true;
    }
  }
  return false;
}

QueryObfuscator::QueryObfuscator(const std::optional<std::string>& pattern, Logger* logger) {
  if (pattern && pattern->empty()) return;
  if (pattern) {
    regex_ = compile(*pattern);
    if (regex_) return;
    if (logger) {
      re2::RE2::Options options;
      options.set_log_errors(false);
      const re2::RE2 failed(*pattern, options);
      const Error error{Error::kInvalidRegex, "DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP: '" +
                                                  *pattern + "' is not a valid RE2 pattern (" +
                                                  failed.error() + ")"};
      logger->log(LogLevel::kError, error.to_string() + "; using Datadog's default pattern");
    }
  }
  regex_ = compile(kDefaultQueryObfuscationPattern);
  default_pattern_ = regex_ != nullptr;
}

bool QueryObfuscator::may_change(std::string_view url) const {
  if (!regex_) return false;
  const std::string_view query = query_of(url);
  if (query.empty()) return false;
  return !default_pattern_ || may_match_default_pattern(query);
}

QueryObfuscator::~QueryObfuscator() = default;

void QueryObfuscator::obfuscate_url(std::string& url) const {
  if (!regex_) return;
  const std::size_t question = url.find('?');
  if (question == std::string::npos) return;
  std::size_t end = url.find('#', question);
  if (end == std::string::npos) end = url.size();
  if (end - question <= 1) return;
  // Most queries hold no secret: a match-only scan (RE2's DFA, no submatches) answers
  // that without copying the query.
  const std::string_view whole_query(url.data() + question + 1, end - question - 1);
  if (default_pattern_ && !may_match_default_pattern(whole_query)) return;
  if (!re2::RE2::PartialMatch(whole_query, *regex_)) return;
  std::string query(whole_query);
  if (re2::RE2::GlobalReplace(&query, *regex_, "<redacted>") > 0) {
    url.replace(question + 1, end - question - 1, query);
  }
}

const QueryObfuscator& query_obfuscator(const TracerCore& core) {
  std::call_once(core.query_obfuscator_once, [&core] {
    core.query_obfuscator = std::make_shared<const QueryObfuscator>(
        core.config.query_string_obfuscation_regex, core.logger.get());
  });
  return *core.query_obfuscator;
}

}  // namespace gatetrace
