#include "gatetrace/http/query_obfuscator.h"

#include <re2/re2.h>

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
  // Each position is judged by its two bytes, case bit set, in one switch: most pairs
  // begin no word, and the rest of a word is compared only after its first two letters.
  for (std::size_t i = 0; i < query.size(); ++i) {
    const auto byte = static_cast<unsigned char>(query[i]);
    // Under (?i) RE2 folds some non-ASCII letters onto ASCII ones (U+017F onto 's',
    // U+212A onto 'k'): such a query is left to RE2.
    if (byte >= 0x80) return true;
    const unsigned next = i + 1 < query.size() ? static_cast<unsigned char>(query[i + 1]) : 0;
    bool found = false;
    switch ((byte | 0x20u) << 8 | (next | 0x20u)) {
      case 'p' << 8 | 'w':
      case 'e' << 8 | 'y':
      case 'g' << 8 | 'h':
        return true;
      case 'p' << 8 | 'a':
        found = holds_at(query, i, "pass");
        break;
      case 's' << 8 | 'e':
        found = holds_at(query, i, "secret");
        break;
      case 's' << 8 | 'i':
        found = holds_at(query, i, "sign");
        break;
      case 's' << 8 | 's':
        found = holds_at(query, i, "ssh-");
        break;
      case 'e' << 8 | 'c':
        found = holds_at(query, i, "ecdsa-");
        break;
      case 't' << 8 | 'o':
        found = holds_at(query, i, "token");
        break;
      case 'c' << 8 | 'o':
        found = holds_at(query, i, "consumer");
        break;
      case 'a' << 8 | 'u':
        found = holds_at(query, i, "auth");
        break;
      case 'b' << 8 | 'e':
        found = holds_at(query, i, "bearer");
        break;
      case '-' << 8 | '-':
        found = holds_at(query, i, "-----");
        break;
      default:
        break;
    }
    if (found) return true;
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
