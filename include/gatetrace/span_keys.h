// Well-known tag and metric keys: the tracer's own (`env`, `version`, `_dd.*`, the
// sampling metrics) have fixed intern ids, so that the code writing them on every span
// or trace names the key by id and skips the intern lookup (see span_string.h). Their
// records are constants of the library; the intern table starts with them, so
// SpanString::intern("env") also gives span_keys::kEnv.
#pragma once

#include <cstdint>

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
constexpr std::uint32_t kCount = 18;             // ids 1..kCount

}  // namespace span_keys
}  // namespace gatetrace
