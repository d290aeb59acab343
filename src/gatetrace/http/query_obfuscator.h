// QueryObfuscator: redacts secrets (tokens, keys, passwords, signatures) from the query
// string of the `http.url` tags that the http module writes, as
// DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP asks: unset means Datadog's default pattern,
// empty means no obfuscation. Every match is replaced by `<redacted>`.
//
// The pattern is compiled with RE2 once per tracer (`query_obfuscator(core)`), because
// Datadog's pattern needs `(?i)`, which std::regex rejects, and RE2 runs in linear time
// without recursion, so a long query cannot exhaust the stack. Only the query string is
// searched: a URL without `?` costs one `find`.
#pragma once

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gatetrace/logger.h"
#include "gatetrace/trace/tracer_core.h"

namespace re2 {
class RE2;
}

namespace gatetrace {

// Datadog's default pattern, as its other tracers ship it; RE2 syntax.
extern const char* const kDefaultQueryObfuscationPattern;

class QueryObfuscator {
 public:
  // `pattern`: nullopt for the default, "" to disable. An invalid pattern is logged (as
  // an error naming DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP) and replaced by the
  // default, so that a typo never leaks secrets.
  QueryObfuscator(const std::optional<std::string>& pattern, Logger* logger);
  ~QueryObfuscator();
  QueryObfuscator(const QueryObfuscator&) = delete;
  QueryObfuscator& operator=(const QueryObfuscator&) = delete;

  bool enabled() const { return regex_ != nullptr; }

  // Whether obfuscate_url could change `url`: false without a query string, and, for
  // Datadog's default pattern, when the query holds none of the words that every match
  // of that pattern contains (see may_match_default_pattern). Lets a caller skip copying
  // the URL into a string for obfuscate_url. With the default pattern, the last URL
  // found unchangeable is remembered per thread, so a URL seen again is settled by
  // comparing it with that one.
  bool may_change(std::string_view url) const;

  // Replaces every match inside the query string (between `?` and `#` or the end).
  void obfuscate_url(std::string& url) const;

 private:
  std::unique_ptr<re2::RE2> regex_;
  // The default pattern is in use (not a custom one), so the prefilter applies.
  bool default_pattern_ = false;
};

// A prefilter for Datadog's default pattern: false only when `query` cannot hold a match
// of it, because it has none of the (ASCII, case-insensitive) words one of the pattern's
// alternatives needs ("pw", "pass", "secret", "ey" (key, JWT), "token", "consumer", "sign",
// "auth", "bearer", "gh", "-----", "ssh-", "ecdsa-"). A query with a non-ASCII byte is
// always left to RE2, whose (?i) folds some non-ASCII letters onto ASCII ones. Most
// queries hold no secret, and the scan (sixteen bytes at a time with SSE2) costs about
// a hundred instructions for a short query where RE2's search costs about a thousand.
bool may_match_default_pattern(std::string_view query) noexcept;
// The same, byte by byte: the reference the vectorized scan is tested against, and the
// scan where SSE2 is not available.
bool may_match_default_pattern_bytewise(std::string_view query) noexcept;

// Whether `url` is the URL this thread last found unchangeable by Datadog's default
// pattern (see QueryObfuscator::may_change). A caller whose tracer uses the default
// pattern (DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP unset) then knows the answer without
// the obfuscator, and without query_obfuscator()'s synchronization on first use.
bool known_unchanged_by_default_pattern(std::string_view url) noexcept;

// The tracer's obfuscator, compiled on first use and cached in the core.
const QueryObfuscator& query_obfuscator(const TracerCore& core);

// Whether `url` can change under the tracer's obfuscation pattern; when it can,
// `obfuscator` is set to the tracer's, for obfuscate_url. With Datadog's default
// pattern, a URL without '?' (obfuscate_url looks from the first one, and changes
// nothing without one) or one this thread just found unchangeable is settled without
// the obfuscator (no call_once); `obfuscator` is then left null. (A custom pattern is
// compiled on the first request, as before: an invalid one is logged then.) Inline: the
// request helper and the client span ask on every request.
inline bool url_may_change(const TracerCore& core, std::string_view url,
                           const QueryObfuscator*& obfuscator) {
  if (!core.config.query_string_obfuscation_regex &&
      (std::memchr(url.data(), '?', url.size()) == nullptr ||
       known_unchanged_by_default_pattern(url))) {
    return false;
  }
  obfuscator = &query_obfuscator(core);
  return obfuscator->may_change(url);
}

}  // namespace gatetrace
