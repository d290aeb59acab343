// Well-known tag and metric keys: the tracer's own (`env`, `version`, `_dd.*`, the
// sampling metrics), the HTTP helper's and the inferred span's have fixed intern ids, so
// that the code writing them on every span or trace names the key by id and skips the
// intern lookup (see span_string.h). Their records are constants of the library; the
// intern table starts with them, so SpanString::intern("env") also gives span_keys::kEnv.
#pragma once

#include <cstdint>
#include <string_view>

namespace gatetrace {
namespace span_keys {

constexpr std::uint32_t kEnv = 1;                // "env"
constexpr std::uint32_t kVersion = 2;            // "version"
constexpr std::uint32_t kLanguage = 3;           // "language"
constexpr std::uint32_t kRuntimeId = 4;          // "runtime-id"
constexpr std::uint32_t kOrigin = 5;             // "_dd.origin"
constexpr std::uint32_t kTraceIdHigh = 6;        // "_dd.p.tid"
constexpr std::uint32_t kDecisionMaker = 7;      // "_dd.p.dm"
constexpr std::uint32_t kPropagationError = 8;   // "_dd.propagation_error"
constexpr std::uint32_t kParentId = 9;           // "_dd.parent_id"
constexpr std::uint32_t kSamplingPriority = 10;  // "_sampling_priority_v1"
constexpr std::uint32_t kBaseService = 11;       // "_dd.base_service"
constexpr std::uint32_t kProcessId = 12;         // "process_id"
constexpr std::uint32_t kAgentRate = 13;         // "_dd.agent_psr"
constexpr std::uint32_t kRuleRate = 14;          // "_dd.rule_psr"
constexpr std::uint32_t kLimitRate = 15;         // "_dd.limit_psr"
constexpr std::uint32_t kErrorMessage = 16;      // "error.message"
constexpr std::uint32_t kErrorType = 17;         // "error.type"
constexpr std::uint32_t kErrorStack = 18;        // "error.stack"
// The HTTP helper's and the inferred span's keys, set on every traced request.
constexpr std::uint32_t kComponent = 19;       // "component"
constexpr std::uint32_t kSpanKind = 20;        // "span.kind"
constexpr std::uint32_t kHttpMethod = 21;      // "http.method"
constexpr std::uint32_t kHttpUrl = 22;         // "http.url"
constexpr std::uint32_t kHttpClientIp = 23;    // "http.client_ip"
constexpr std::uint32_t kHttpRoute = 24;       // "http.route"
constexpr std::uint32_t kHttpUserAgent = 25;   // "http.useragent"
constexpr std::uint32_t kHttpStatusCode = 26;  // "http.status_code"
constexpr std::uint32_t kInferredSpan = 27;    // "_dd.inferred_span" (a metric)
// The gateway tags that any proxy kind carries, written in the inferred span's run of
// HTTP tags: `region` comes with every Azure API Management request (its policy sends
// it, shared/spec/inferred-proxy-spans.md), `stage` with AWS ones. The AWS-only keys
// (account_id, apiid, aws_user, dd_resource_key) stay text keys: four would not fit in
// the ids left. `out.host` is on every client span with a host, in the client span's run.
constexpr std::uint32_t kRegion = 28;   // "region"
constexpr std::uint32_t kStage = 29;    // "stage"
constexpr std::uint32_t kOutHost = 30;  // "out.host"
constexpr std::uint32_t kCount = 30;    // ids 1..kCount
// A fixed key's bit in Meta's key filter is its id: at most 31 fixed keys, so that
// no two of them share a bit (a span's tags of these keys never collide).
static_assert(kCount < 32, "one key-filter bit per fixed key");

// The fixed keys' texts by id (kTexts[0] is id 0's, the empty text): code that names a
// key by a constant id knows its length at compile time.
constexpr std::string_view kTexts[kCount + 1] = {
    "",
    "env",
    "version",
    "language",
    "runtime-id",
    "_dd.origin",
    "_dd.p.tid",
    "_dd.p.dm",
    "_dd.propagation_error",
    "_dd.parent_id",
    "_sampling_priority_v1",
    "_dd.base_service",
    "process_id",
    "_dd.agent_psr",
    "_dd.rule_psr",
    "_dd.limit_psr",
    "error.message",
    "error.type",
    "error.stack",
    "component",
    "span.kind",
    "http.method",
    "http.url",
    "http.client_ip",
    "http.route",
    "http.useragent",
    "http.status_code",
    "_dd.inferred_span",
    "region",
    "stage",
    "out.host",
};

}  // namespace span_keys
}  // namespace gatetrace
