#include "gatetrace/http/query_obfuscator.h"

#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

bool may_match_default_pattern_bytewise(std::string_view query) noexcept {
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

#if defined(__SSE2__)
namespace {

// Bit j set when the first two letters of one of kDefaultPatternWords, compared as
// holds_at() compares them (case bit set), are at bytes[j] and next[j] (`next` is the
// same text one byte on). Ordinary query bytes seldom pass, so the whole words are then
// compared at the few positions that do. The pairs are those of kDefaultPatternWords
// (pw, pass; secret, sign, ssh-; ey, ecdsa-; token; consumer; auth; bearer; gh; -----),
// which the differential test against may_match_default_pattern_bytewise checks.
int word_beginnings(__m128i bytes, __m128i next) {
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const __m128i first = _mm_or_si128(bytes, case_bit);
  const __m128i second = _mm_or_si128(next, case_bit);
  const auto is = [](__m128i text, char letter) {
    return _mm_cmpeq_epi8(text, _mm_set1_epi8(letter));
  };
  const auto pair = [&](char a, __m128i seconds) { return _mm_and_si128(is(first, a), seconds); };
  __m128i hits = pair('p', _mm_or_si128(is(second, 'w'), is(second, 'a')));
  hits = _mm_or_si128(
      hits,
      pair('s', _mm_or_si128(is(second, 'e'), _mm_or_si128(is(second, 'i'), is(second, 's')))));
  hits = _mm_or_si128(hits, pair('e', _mm_or_si128(is(second, 'y'), is(second, 'c'))));
  const __m128i o = is(second, 'o');
  hits = _mm_or_si128(hits, pair('t', o));
  hits = _mm_or_si128(hits, pair('c', o));
  hits = _mm_or_si128(hits, pair('a', is(second, 'u')));
  hits = _mm_or_si128(hits, pair('b', is(second, 'e')));
  hits = _mm_or_si128(hits, pair('g', is(second, 'h')));
  hits = _mm_or_si128(hits, pair('-', is(second, '-')));
  return _mm_movemask_epi8(hits);
}

// Whether a whole word is at one of the positions `from` + (each bit of `beginnings`).
bool word_at_any(std::string_view query, std::size_t from, int beginnings) {
  for (; beginnings != 0; beginnings &= beginnings - 1) {
    const std::size_t at = from + static_cast<std::size_t>(__builtin_ctz(beginnings));
    for (std::string_view word : kDefaultPatternWords) {
      if (holds_at(query, at, word)) return true;
    }
  }
  return false;
}

// One block of 16 bytes (`bytes`) starting at query[from], `next` the 16 after its first.
bool block_may_match(std::string_view query, std::size_t from, __m128i bytes, __m128i next) {
  if (_mm_movemask_epi8(bytes) != 0) return true;  // a non-ASCII byte: left to RE2
  const int beginnings = word_beginnings(bytes, next);
  return beginnings != 0 && word_at_any(query, from, beginnings);
}

}  // namespace
#endif

// The same answer as the bytewise scan (a non-ASCII byte anywhere, or a word anywhere:
// the order they are found in does not matter), sixteen bytes at a time.
bool may_match_default_pattern(std::string_view query) noexcept {
#if defined(__SSE2__)
  const char* data = query.data();
  const std::size_t size = query.size();
  if (size == 0) return false;
  std::size_t at = 0;
  for (; at + 17 <= size; at += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at + 1));
    if (block_may_match(query, at, bytes, next)) return true;
  }
  // The last 1 to 16 bytes, padded with zero bytes, which begin and continue no word.
  alignas(16) char tail[32] = {};
  std::memcpy(tail, data + at, size - at);
  const __m128i bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(tail));
  const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tail + 1));
  return block_may_match(query, at, bytes, next);
#else
  return may_match_default_pattern_bytewise(query);
#endif
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

namespace {

// The last URL this thread found unchangeable by the default pattern (no query string,
// or a query the prefilter clears). A service sees the same URLs again and again
// (polling clients, health checks, the same page), and comparing one with the last
// costs a fraction of finding its query and scanning it. The answer depends on the URL
// alone, so the cache needs no key besides it; longer URLs are not kept.
struct UnchangedUrlCache {
  static constexpr std::size_t kMaxSize = 256;
  // Initialized in full so that the thread_local is constant-initialized (no guard
  // on each access). size 0: empty (an empty URL is not worth keeping).
  std::size_t size = 0;
  char text[kMaxSize] = {};

  bool holds(std::string_view url) const {
    return url.size() == size && size != 0 && std::memcmp(url.data(), text, size) == 0;
  }
  void keep(std::string_view url) {
    if (url.size() > kMaxSize) return;
    std::memcpy(text, url.data(), url.size());
    size = url.size();
  }
};
thread_local UnchangedUrlCache unchanged_url;

}  // namespace

bool known_unchanged_by_default_pattern(std::string_view url) noexcept {
  return unchanged_url.holds(url);
}

bool QueryObfuscator::may_change(std::string_view url) const {
  if (!regex_) return false;
  if (!default_pattern_) return !query_of(url).empty();
  UnchangedUrlCache& cache = unchanged_url;
  if (cache.holds(url)) return false;
  const std::string_view query = query_of(url);
  if (!query.empty() && may_match_default_pattern(query)) return true;
  cache.keep(url);
  return false;
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
