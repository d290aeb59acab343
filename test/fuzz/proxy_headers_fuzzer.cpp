// Fuzzes the reading of API-gateway headers (`x-dd-proxy*`): any client that reaches
// the service directly can send them. Lines named `fuzz-allowed-domain` are not
// headers gatetrace reads; they become the domain allowlist
// (GATETRACE_INFERRED_PROXY_ALLOWED_DOMAINS), so the fuzzer explores it too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "gatetrace/proxy/proxy_headers.h"
#include "gatetrace/sampling/glob.h"

namespace {

using gatetrace::InferredProxyRequest;
using gatetrace::ProxyHeaderProblem;

// The caps documented in proxy_headers.h.
constexpr std::size_t kDomainCap = 253;
constexpr std::size_t kPathCap = 1024;
constexpr std::size_t kUserAgentCap = 512;
constexpr std::size_t kValueCap = 128;
constexpr std::int64_t kYear2000Ns = 946'684'800'000'000'000;
constexpr std::int64_t kHourNs = 3'600'000'000'000;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

// The timestamp parser against a plain oracle: 1-19 digits after trimming blanks, and
// the value printed back without leading zeros.
void check_timestamp(std::string_view text) {
  const std::int64_t ms = gatetrace::parse_proxy_timestamp_ms(text);
  text = trim_blanks(text);
  bool digits = !text.empty() && text.size() <= 19;
  for (const char c : text) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    GATETRACE_FUZZ_CHECK(ms == -1);
    return;
  }
  constexpr std::int64_t kMaxMs = std::numeric_limits<std::int64_t>::max() / 1'000'000;
  GATETRACE_FUZZ_CHECK(ms >= -1 && ms <= kMaxMs);
  if (ms >= 0) {
    while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
    GATETRACE_FUZZ_CHECK(std::to_string(ms) == text);
  } else {
    // Refused only when it overflows: more than kMaxMs, so at least as many digits.
    GATETRACE_FUZZ_CHECK(text.size() >= std::to_string(kMaxMs).size());
  }
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// A field is its header's trimmed value, or a prefix of it of at most `cap` bytes: cut
// on a UTF-8 boundary (the byte after the cut does not continue a sequence) at most 3
// bytes before the cap, or at the cap when the 4 bytes up to it all continue one (not
// UTF-8: no sequence to keep whole).
void check_field(const gatetrace::DictReader& headers, const std::string& field,
                 std::string_view name, std::size_t cap) {
  GATETRACE_FUZZ_CHECK(field.size() <= cap);
  const auto sent = headers.lookup(name);
  if (!sent) {
    GATETRACE_FUZZ_CHECK(field.empty());
    return;
  }
  const std::string_view trimmed = trim_blanks(*sent);
  GATETRACE_FUZZ_CHECK(trimmed.substr(0, field.size()) == field);
  if (field.size() < trimmed.size()) {
    GATETRACE_FUZZ_CHECK(trimmed.size() > cap);
    GATETRACE_FUZZ_CHECK(field.size() + 3 >= cap);
    bool run_of_four = cap >= 3;
    for (std::size_t i = cap - std::min<std::size_t>(cap, 3); i <= cap; ++i) {
      run_of_four = run_of_four && is_continuation(trimmed[i]);
    }
    if (run_of_four) {
      GATETRACE_FUZZ_CHECK(field.size() == cap);
    } else {
      GATETRACE_FUZZ_CHECK(!is_continuation(trimmed[field.size()]));
      for (std::size_t i = field.size() + 1; i <= cap; ++i) {
        GATETRACE_FUZZ_CHECK(is_continuation(trimmed[i]));
      }
    }
  }
}

void check_request(const InferredProxyRequest& request, const gatetrace::DictReader& headers,
                   const gatetrace::TimePoint& now, const std::vector<gatetrace::Glob>& allowed) {
  GATETRACE_FUZZ_CHECK(request.kind != nullptr);
  GATETRACE_FUZZ_CHECK(gatetrace::find_proxy_kind(request.kind->header_value) == request.kind);
  GATETRACE_FUZZ_CHECK(request.start_wall_ns <= now.wall_ns);
  GATETRACE_FUZZ_CHECK(request.start_wall_ns >= kYear2000Ns);
  GATETRACE_FUZZ_CHECK(request.start_wall_ns >= now.wall_ns - kHourNs);
  check_field(headers, request.domain, "x-dd-proxy-domain-name", kDomainCap);
  check_field(headers, request.method, "x-dd-proxy-httpmethod", kValueCap);
  check_field(headers, request.region, "x-dd-proxy-region", kValueCap);
  check_field(headers, request.stage, "x-dd-proxy-stage", kValueCap);
  check_field(headers, request.resource_path, "x-dd-proxy-resource-path", kPathCap);
  check_field(headers, request.account_id, "x-dd-proxy-account-id", kValueCap);
  check_field(headers, request.api_id, "x-dd-proxy-api-id", kValueCap);
  check_field(headers, request.user, "x-dd-proxy-user", kValueCap);
  check_field(headers, request.user_agent, "user-agent", kUserAgentCap);
  // The path gains a leading '/' when it lacks one; the cap includes it.
  GATETRACE_FUZZ_CHECK(request.path.empty() || request.path.front() == '/');
  GATETRACE_FUZZ_CHECK(request.path.size() <= kPathCap);
  if (!allowed.empty()) {
    bool matched = false;
    for (const auto& glob : allowed) matched = matched || glob.match(request.domain);
    GATETRACE_FUZZ_CHECK(matched);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto headers = gatetrace::fuzz::split_headers(gatetrace::fuzz::as_text(data, size));
  std::vector<gatetrace::Glob> allowed;
  for (const auto& [name, value] : headers) {
    if (name == "fuzz-allowed-domain") allowed.emplace_back(value);
    check_timestamp(value);
  }
  const gatetrace::HeaderListReader reader(headers);
  const gatetrace::TimePoint now{gatetrace::fuzz::kFuzzNowWallNs, 42};

  const auto result = gatetrace::read_proxy_headers(reader, now, allowed);
  GATETRACE_FUZZ_CHECK(result.detail.size() <= kDomainCap);
  if (result.request) {
    check_request(*result.request, reader, now, allowed);
    const bool timestamp_problem = result.problem == ProxyHeaderProblem::kMissingTimestamp ||
                                   result.problem == ProxyHeaderProblem::kMalformedTimestamp ||
                                   result.problem == ProxyHeaderProblem::kImplausibleTimestamp;
    GATETRACE_FUZZ_CHECK(result.problem == ProxyHeaderProblem::kNone || timestamp_problem);
    // A kind that needs the gateway's timestamp never yields a span without one.
    GATETRACE_FUZZ_CHECK(!result.request->kind->timestamp_required || !timestamp_problem);
    if (timestamp_problem) GATETRACE_FUZZ_CHECK(result.request->start_wall_ns == now.wall_ns);
  } else {
    GATETRACE_FUZZ_CHECK(result.problem != ProxyHeaderProblem::kNone);
  }
  // The same headers give the same answer: nothing is kept between calls.
  const auto again = gatetrace::read_proxy_headers(reader, now, allowed);
  GATETRACE_FUZZ_CHECK(again.problem == result.problem && again.detail == result.detail);
  GATETRACE_FUZZ_CHECK(again.request.has_value() == result.request.has_value());
  return 0;
}
