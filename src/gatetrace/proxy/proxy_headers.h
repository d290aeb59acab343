// Reading and validating the `x-dd-proxy*` headers an API gateway adds to the request it
// forwards (see shared/spec/inferred-proxy-spans.md). The result is one value object,
// `InferredProxyRequest`, or nothing: invalid headers never produce a partial span, and
// the request is then traced as if the gateway had sent none.
//
// Header values are trimmed of spaces and tabs and capped in length (a client that can
// reach the backend directly can forge these headers):
//   domain 253 bytes (a DNS name's maximum), path and resource path 1024, user agent 512,
//   every other value 128.
// A cut never splits a UTF-8 sequence: a character straddling the cap is dropped whole.
// Bytes that are not UTF-8 (more than 3 continuation bytes in a row at the cap) are cut
// at the cap itself.
//
// The request path reads the headers as views (`read_proxy_header_fields`), so that
// validating them copies nothing; the values are copied once, into the inferred span.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gatetrace/clock.h"
#include "gatetrace/dict_reader.h"
#include "gatetrace/proxy/header_index.h"
#include "gatetrace/proxy/proxy_kinds.h"
#include "gatetrace/sampling/glob.h"

namespace gatetrace {

struct InferredProxyRequest {
  const ProxyKind* kind = nullptr;
  std::int64_t start_wall_ns = 0;  // already clamped to "now" on clock skew
  std::string method;
  std::string path;  // with a leading '/' when non-empty
  std::string domain;
  std::string region;
  std::string stage;
  std::string resource_path;
  std::string account_id;
  std::string api_id;
  std::string user;
  std::string user_agent;
};

// Why the headers produced no inferred span; kNone when they did.
enum class ProxyHeaderProblem {
  kNone,
  kNoProxyHeader,  // the request did not come through a gateway (not logged)
  kUnknownKind,
  kMissingTimestamp,
  kMalformedTimestamp,    // not 1-19 digits, or overflows when converted to ns
  kImplausibleTimestamp,  // before 2000-01-01 or more than an hour old
  kDomainNotAllowed,
};

// The validated headers as views into the reader's values, trimmed and capped: valid
// while the reader's headers are. A path that lacks its leading '/' is kept without it,
// and `path_slash` says that the span's values must add it (the cap counts it).
struct ProxyHeaderFields {
  const ProxyKind* kind = nullptr;
  std::int64_t start_wall_ns = 0;  // already clamped to "now" on clock skew
  std::string_view method;
  std::string_view path;
  bool path_slash = false;
  std::string_view domain;
  std::string_view region;
  std::string_view stage;
  std::string_view resource_path;
  std::string_view account_id;
  std::string_view api_id;
  std::string_view user;
  std::string_view user_agent;

  // "/" when the path needs its leading slash, else "".
  std::string_view path_prefix() const { return path_slash ? "/" : ""; }
};

struct ProxyHeaderReading {
  bool valid = false;  // `fields` describe an inferred span
  ProxyHeaderFields fields;
  ProxyHeaderProblem problem = ProxyHeaderProblem::kNone;
  std::string_view detail;  // the offending value (a view, like the fields)
};

// The same validation as read_proxy_headers, without copying anything. The request
// helper passes the request's HeaderIndex, whose ids spare the name lookups.
ProxyHeaderReading read_proxy_header_fields(const HeaderIndex& headers, TimePoint now,
                                            const std::vector<Glob>& allowed_domains);
ProxyHeaderReading read_proxy_header_fields(const DictReader& headers, TimePoint now,
                                            const std::vector<Glob>& allowed_domains);

struct ProxyHeaderResult {
  std::optional<InferredProxyRequest> request;
  ProxyHeaderProblem problem = ProxyHeaderProblem::kNone;
  std::string detail;  // the offending value, for the debug log
};

// `now` is the moment the headers are read. `allowed_domains`: compiled glob patterns
// (GATETRACE_INFERRED_PROXY_ALLOWED_DOMAINS); empty allows any domain.
ProxyHeaderResult read_proxy_headers(const DictReader& headers, TimePoint now,
                                     const std::vector<Glob>& allowed_domains);

// The strict timestamp rule on its own (exposed for tests and fuzzing): 1 to 19 ASCII
// digits whose value in nanoseconds fits in int64. Returns milliseconds or -1.
std::int64_t parse_proxy_timestamp_ms(std::string_view text);

}  // namespace gatetrace
