#include "gatetrace/proxy/proxy_headers.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string_view>

#include "gatetrace/propagation/codec.h"

namespace gatetrace {
namespace {

constexpr std::int64_t kNanosPerMilli = 1'000'000;
constexpr std::int64_t kYear2000Millis = 946'684'800'000;
constexpr std::int64_t kMaxAgeMillis = 3'600'000;

constexpr std::size_t kDomainCap = 253;
constexpr std::size_t kPathCap = 1024;
constexpr std::size_t kUserAgentCap = 512;
constexpr std::size_t kValueCap = 128;

// Whether `c` is above ' ', so no blank (' ' or '\t'): one comparison instead of two.
bool above_space(char c) { return static_cast<unsigned char>(c) > ' '; }

std::string_view trim_blanks(std::string_view text) {
  // The usual value, neither end blank, as it is (the loops' first tests cost more).
  if (!text.empty() && above_space(text.front()) && above_space(text.back())) return text;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_continuation(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

// `text` cut to `cap` bytes, never inside a UTF-8 sequence: the cut moves back over at
// most 3 continuation bytes (a sequence has at most 3 after its lead byte). More in a
// row are not UTF-8, so there is no sequence to keep whole: the cut stays at `cap`
// rather than dropping the whole value.
[[gnu::noinline]] std::string_view cut_to_cap(std::string_view text, std::size_t cap) {
  std::size_t cut = cap;
  while (cut > 0 && cap - cut < 3 && is_continuation(text[cut])) --cut;
  if (is_continuation(text[cut])) cut = cap;
  return text.substr(0, cut);
}

inline std::string_view capped(std::string_view text, std::size_t cap) {
  if (text.size() <= cap) return text;
  return cut_to_cap(text, cap);
}

// How the reader below reads a header by id: from an index that indexed the headers,
// the array read alone (tested once per request, not once per header); else as
// HeaderIndex::get answers (by name, from the wrapped reader).
// `any(first, count)` is false only when none of those headers came.
struct IndexedHeaders {
  const HeaderIndex& index;
  std::optional<std::string_view> get(IndexedHeader name) const { return index.get_indexed(name); }
  bool any(IndexedHeader first, std::size_t count) const { return index.any_indexed(first, count); }
};
struct UnindexedHeaders {
  const HeaderIndex& index;
  std::optional<std::string_view> get(IndexedHeader name) const { return index.get(name); }
  bool any(IndexedHeader, std::size_t) const { return true; }
};

// The trimmed value of `name`, cut to `cap` bytes; empty when the header is absent.
template <typename Headers>
inline std::string_view header(const Headers& headers, IndexedHeader name, std::size_t cap) {
  const auto value = headers.get(name);
  if (!value || value->empty()) return {};
  // The usual value, neither blank at its ends nor too long, as it is.
  if (above_space(value->front()) && above_space(value->back()) && value->size() <= cap) {
    return *value;
  }
  return capped(trim_blanks(*value), cap);
}

// Whether one of the (configured, so not empty) patterns matches.
bool domain_allowed(std::string_view domain, const std::vector<Glob>& allowed) {
  for (const Glob& pattern : allowed) {
    if (pattern.match(domain)) return true;
  }
  return false;
}

}  // namespace

std::int64_t parse_proxy_timestamp_ms(std::string_view text) {
  constexpr auto kMaxMillis =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / kNanosPerMilli);
  // The usual value, a current time of 13 digits without blanks, in one go; anything
  // else (blanks included) as the general path below decides.
  if (std::uint64_t millis;
      text.size() == 13 && propagation::parse_decimal13(text.data(), millis)) {
    return millis <= kMaxMillis ? static_cast<std::int64_t>(millis) : -1;
  }
  text = trim_blanks(text);
  if (text.empty() || text.size() > 19) return -1;
  // 1 to 19 digits (which fit in uint64), eight at a time.
  const auto value = propagation::parse_decimal_u64(text);
  if (!value) return -1;
  if (*value > kMaxMillis) return -1;
  return static_cast<std::int64_t>(*value);
}

ProxyHeaderReading read_proxy_header_fields(const DictReader& headers, TimePoint now,
                                            const std::vector<Glob>& allowed_domains) {
  return read_proxy_header_fields(HeaderIndex(headers), now, allowed_domains);
}

namespace {

template <typename Headers>
ProxyHeaderReading read_fields(const Headers& headers, TimePoint now,
                               const std::vector<Glob>& allowed_domains) {
  ProxyHeaderReading result;
  const auto proxy = headers.get(IndexedHeader::kProxy);
  if (!proxy) {
    result.problem = ProxyHeaderProblem::kNoProxyHeader;
    return result;
  }
  const std::string_view kind_value = trim_blanks(*proxy);
  const ProxyKind* kind = find_proxy_kind(kind_value);
  if (kind == nullptr) {
    result.problem = ProxyHeaderProblem::kUnknownKind;
    result.detail = capped(kind_value, kValueCap);
    return result;
  }

  ProxyHeaderFields& fields = result.fields;
  fields.kind = kind;
  fields.start_wall_ns = now.wall_ns;
  const auto timestamp = headers.get(IndexedHeader::kProxyRequestTimeMs);
  ProxyHeaderProblem timestamp_problem = ProxyHeaderProblem::kNone;
  if (!timestamp) {
    timestamp_problem = ProxyHeaderProblem::kMissingTimestamp;
  } else {
    const std::int64_t ms = parse_proxy_timestamp_ms(*timestamp);
    if (ms < 0) {
      timestamp_problem = ProxyHeaderProblem::kMalformedTimestamp;
    } else if (ms < kYear2000Millis || ms < now.wall_ns / kNanosPerMilli - kMaxAgeMillis) {
      timestamp_problem = ProxyHeaderProblem::kImplausibleTimestamp;
    } else {
      // Exact integer arithmetic; a gateway clock ahead of ours is clamped to now so the
      // inferred span still encloses the server span.
      fields.start_wall_ns = std::min(ms * kNanosPerMilli, now.wall_ns);
    }
  }
  if (timestamp_problem != ProxyHeaderProblem::kNone) {
    result.problem = timestamp_problem;
    result.detail = timestamp ? capped(trim_blanks(*timestamp), kValueCap) : std::string_view();
    // An optional timestamp falls back to "now"; a required one voids the span.
    if (kind->timestamp_required) return result;
  }

  fields.domain = header(headers, IndexedHeader::kProxyDomainName, kDomainCap);
  // Usually no patterns are configured: that is tested here, inline.
  if (!allowed_domains.empty() && !domain_allowed(fields.domain, allowed_domains)) {
    result.problem = ProxyHeaderProblem::kDomainNotAllowed;
    result.detail = fields.domain;
    return result;
  }
  fields.method = header(headers, IndexedHeader::kProxyHttpMethod, kValueCap);
  if (const auto path = headers.get(IndexedHeader::kProxyPath)) {
    const std::string_view trimmed = trim_blanks(*path);
    fields.path = capped(trimmed, kPathCap);
    if (!fields.path.empty() && fields.path.front() != '/') {
      // The added '/' counts against the cap too.
      if (fields.path.size() == kPathCap) fields.path = capped(trimmed, kPathCap - 1);
      fields.path_slash = true;
    }
  }
  fields.region = header(headers, IndexedHeader::kProxyRegion, kValueCap);
  // Five headers that AWS gateways send and others do not (consecutive ids): one test
  // for all of them when none came.
  static_assert(
      static_cast<int>(IndexedHeader::kProxyUser) - static_cast<int>(IndexedHeader::kProxyStage) ==
          4,
      "stage, resource path, account id, api id and user are consecutive");
  if (headers.any(IndexedHeader::kProxyStage, 5)) {
    fields.stage = header(headers, IndexedHeader::kProxyStage, kValueCap);
    fields.resource_path = header(headers, IndexedHeader::kProxyResourcePath, kPathCap);
    fields.account_id = header(headers, IndexedHeader::kProxyAccountId, kValueCap);
    fields.api_id = header(headers, IndexedHeader::kProxyApiId, kValueCap);
    fields.user = header(headers, IndexedHeader::kProxyUser, kValueCap);
  }
  fields.user_agent = header(headers, IndexedHeader::kUserAgent, kUserAgentCap);
  result.valid = true;
  return result;
}

}  // namespace

ProxyHeaderReading read_proxy_header_fields(const HeaderIndex& headers, TimePoint now,
                                            const std::vector<Glob>& allowed_domains) {
  if (headers.indexed()) return read_fields(IndexedHeaders{headers}, now, allowed_domains);
  return read_fields(UnindexedHeaders{headers}, now, allowed_domains);
}

ProxyHeaderResult read_proxy_headers(const DictReader& headers, TimePoint now,
                                     const std::vector<Glob>& allowed_domains) {
  const ProxyHeaderReading reading = read_proxy_header_fields(headers, now, allowed_domains);
  ProxyHeaderResult result;
  result.problem = reading.problem;
  result.detail = std::string(reading.detail);
  if (!reading.valid) return result;
  const ProxyHeaderFields& fields = reading.fields;
  InferredProxyRequest& request = result.request.emplace();
  request.kind = fields.kind;
  request.start_wall_ns = fields.start_wall_ns;
  request.method = fields.method;
  request.path.assign(fields.path_prefix()).append(fields.path);
  request.domain = fields.domain;
  request.region = fields.region;
  request.stage = fields.stage;
  request.resource_path = fields.resource_path;
  request.account_id = fields.account_id;
  request.api_id = fields.api_id;
  request.user = fields.user;
  request.user_agent = fields.user_agent;
  return result;
}

}  // namespace gatetrace
