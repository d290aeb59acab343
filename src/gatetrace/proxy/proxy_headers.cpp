#include "gatetrace/proxy/proxy_headers.h"

#include <algorithm>
#include <limits>

namespace gatetrace {
namespace {

constexpr std::int64_t kNanosPerMilli = 1'000'000;
constexpr std::int64_t kYear2000Millis = 946'684'800'000;
constexpr std::int64_t kMaxAgeMillis = 3'600'000;

constexpr std::size_t kDomainCap = 253;
constexpr std::size_t kPathCap = 1024;
constexpr std::size_t kUserAgentCap = 512;
constexpr std::size_t kValueCap = 128;

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The trimmed value of `name`, cut to `cap` bytes (never inside a UTF-8 sequence).
std::string header(const DictReader& headers, std::string_view name, std::size_t cap) {
  const auto value = headers.lookup(name);
  if (!value) return {};
  std::string_view text = trim_blanks(*value);
  if (text.size() > cap) {
    std::size_t cut = cap;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  return std::string(text);
}

bool domain_allowed(const std::string& domain, const std::vector<Glob>& allowed) {
  if (allowed.empty()) return true;
  for (const Glob& pattern : allowed) {
    if (pattern.match(domain)) return true;
  }
  return false;
}

}  // namespace

std::int64_t parse_proxy_timestamp_ms(std::string_view text) {
  text = trim_blanks(text);
  if (text.empty() || text.size() > 19) return -1;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');  // 19 digits fit in uint64
  }
  constexpr auto kMaxMillis =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / kNanosPerMilli);
  if (value > kMaxMillis) return -1;
  return static_cast<std::int64_t>(value);
}

ProxyHeaderResult read_proxy_headers(const DictReader& headers, TimePoint now,
                                     const std::vector<Glob>& allowed_domains) {
  ProxyHeaderResult result;
  const auto proxy = headers.lookup("x-dd-proxy");
  if (!proxy) {
    result.problem = ProxyHeaderProblem::kNoProxyHeader;
    return result;
  }
  const ProxyKind* kind = find_proxy_kind(trim_blanks(*proxy));
  if (kind == nullptr) {
    result.problem = ProxyHeaderProblem::kUnknownKind;
    result.detail = header(headers, "x-dd-proxy", kValueCap);
    return result;
  }

  InferredProxyRequest request;
  request.kind = kind;
  request.start_wall_ns = now.wall_ns;
  const auto timestamp = headers.lookup("x-dd-proxy-request-time-ms");
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
      request.start_wall_ns = std::min(ms * kNanosPerMilli, now.wall_ns);
    }
  }
  if (timestamp_problem != ProxyHeaderProblem::kNone) {
    result.problem = timestamp_problem;
    result.detail = timestamp ? header(headers, "x-dd-proxy-request-time-ms", kValueCap) : "";
    // An optional timestamp falls back to "now"; a required one voids the span.
    if (kind->timestamp_required) return result;
  }

  request.domain = header(headers, "x-dd-proxy-domain-name", kDomainCap);
  if (!domain_allowed(request.domain, allowed_domains)) {
    result.problem = ProxyHeaderProblem::kDomainNotAllowed;
    result.detail = request.domain;
    return result;
  }
  request.method = header(headers, "x-dd-proxy-httpmethod", kValueCap);
  request.path = header(headers, "x-dd-proxy-path", kPathCap);
  if (!request.path.empty() && request.path.front() != '/') {
    // The added '/' counts against the cap too.
    if (request.path.size() == kPathCap)
      request.path = header(headers, "x-dd-proxy-path", kPathCap - 1);
    request.path.insert(0, 1, '/');
  }
  request.region = header(headers, "x-dd-proxy-region", kValueCap);
  request.stage = header(headers, "x-dd-proxy-stage", kValueCap);
  request.resource_path = header(headers, "x-dd-proxy-resource-path", kPathCap);
  request.account_id = header(headers, "x-dd-proxy-account-id", kValueCap);
  request.api_id = header(headers, "x-dd-proxy-api-id", kValueCap);
  request.user = header(headers, "x-dd-proxy-user", kValueCap);
  request.user_agent = header(headers, "user-agent", kUserAgentCap);
  result.request = std::move(request);
  return result;
}

}  // namespace gatetrace
