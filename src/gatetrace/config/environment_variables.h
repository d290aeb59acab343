// The one table of gatetrace's configuration variables: name, type, default and
// description of each. The parser (finalize_config.cpp), the startup log and the
// README's configuration table all follow it; a test fails when the README disagrees.
// To add a variable: add a row here, parse it in finalize_config.cpp, document it by
// regenerating the README table (`gatetrace-config-table`).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace gatetrace {

// X(NAME, TYPE, DEFAULT, DESCRIPTION)
#define GATETRACE_ENVIRONMENT_VARIABLES(X)                                                        \
  X(DD_SERVICE, "string", "the program's name", "Service name of the application's spans.")       \
  X(DD_ENV, "string", "", "Environment, e.g. `prod`; the `env` tag of every span.")               \
  X(DD_VERSION, "string", "", "Application version; the `version` tag of default-service spans.") \
  X(DD_TAGS, "tags", "", "Tags for every span: `key:value` pairs separated by commas or spaces.") \
  X(DD_TRACE_ENABLED, "boolean", "true",                                                          \
    "false: spans still work in code, but nothing is sent (no thread, no socket).")               \
  X(DD_AGENT_HOST, "string", "localhost", "Host of the Datadog Agent.")                           \
  X(DD_TRACE_AGENT_PORT, "integer", "8126", "Port of the Datadog Agent's trace intake.")          \
  X(DD_TRACE_AGENT_URL, "url", "http://localhost:8126",                                           \
    "Agent URL, `http://host:port` or `unix:///path/apm.socket`; overrides host and port.")       \
  X(DD_TRACE_FLUSH_INTERVAL, "integer", "2000", "Milliseconds between sends to the agent.")       \
  X(DD_TRACE_128_BIT_TRACEID_GENERATION_ENABLED, "boolean", "true",                               \
    "Generate 128-bit trace ids (the high half travels as `_dd.p.tid`).")                         \
  X(DD_TRACE_STARTUP_LOGS, "boolean", "true",                                                     \
    "Log one JSON line with the effective configuration at start-up.")                            \
  X(DD_TRACE_DEBUG, "boolean", "false", "Log gatetrace's debug messages.")                        \
  X(DD_TRACE_WRITER_BUFFER_SIZE_BYTES, "integer", "16777216",                                     \
    "Cap in bytes of encoded traces waiting to be sent; beyond it traces are dropped and "        \
    "counted.")                                                                                   \
  X(DD_TRACE_WRITER_MAX_PAYLOAD_SIZE_BYTES, "integer", "4194304",                                 \
    "Largest body of one request to the agent; larger flushes are split.")                        \
  X(DD_TRACE_SHUTDOWN_TIMEOUT, "integer", "2000",                                                 \
    "Milliseconds the tracer's destructor may spend delivering pending traces.")                  \
  X(DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED, "boolean", "false",                                 \
    "Create the inferred span of an API gateway (x-dd-proxy headers) as the trace's root.")       \
  X(GATETRACE_INFERRED_PROXY_ALLOWED_DOMAINS, "list", "",                                         \
    "Comma-separated globs of gateway domains to trust, e.g. `*.azure-api.net`; empty: any.")     \
  X(DD_TRACE_HTTP_SERVER_ERROR_STATUSES, "status ranges", "500-599",                              \
    "Response statuses that mark server (and inferred) spans as errors, e.g. `500-599,429`.")     \
  X(DD_TRACE_HTTP_CLIENT_ERROR_STATUSES, "status ranges", "400-499",                              \
    "Response statuses that mark client spans of outgoing calls as errors.")                      \
  X(DD_TRACE_PROPAGATION_STYLE, "styles", "datadog,tracecontext,baggage",                         \
    "Propagation styles for extraction and injection: datadog, tracecontext, b3multi, b3, "       \
    "baggage, none.")                                                                             \
  X(DD_TRACE_PROPAGATION_STYLE_EXTRACT, "styles", "datadog,tracecontext,baggage",                 \
    "Extraction styles; overrides DD_TRACE_PROPAGATION_STYLE.")                                   \
  X(DD_TRACE_PROPAGATION_STYLE_INJECT, "styles", "datadog,tracecontext,baggage",                  \
    "Injection styles; overrides DD_TRACE_PROPAGATION_STYLE.")                                    \
  X(DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH, "integer", "512",                                         \
    "Longest `x-datadog-tags` header extracted or injected; 0 disables trace tag propagation.")   \
  X(DD_TRACE_SAMPLING_RULES, "json", "",                                                          \
    "JSON array of trace sampling rules `{service, name, resource, tags, sample_rate}`.")         \
  X(DD_TRACE_SAMPLE_RATE, "decimal", "", "Sample rate for traces no rule matches (0 to 1).")      \
  X(DD_TRACE_RATE_LIMIT, "decimal", "100", "Traces per second that sampling rules may keep.")     \
  X(DD_SPAN_SAMPLING_RULES, "json", "",                                                           \
    "JSON array of single-span sampling rules `{service, name, resource, sample_rate, "           \
    "max_per_second}`.")                                                                          \
  X(DD_SPAN_SAMPLING_RULES_FILE, "path", "",                                                      \
    "File holding the span sampling rules; ignored when DD_SPAN_SAMPLING_RULES is set.")          \
  X(DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP, "regex", "Datadog's default pattern",               \
    "Pattern whose matches in the query string of `http.url` are replaced by `<redacted>`; "      \
    "empty disables.")                                                                            \
  X(DD_TRACE_CLIENT_IP_ENABLED, "boolean", "false",                                               \
    "Tag server spans with `http.client_ip` from the forwarding headers.")                        \
  X(DD_TRACE_HEADER_TAGS, "header tags", "",                                                      \
    "`header:tag` pairs: request and response headers copied to server and inferred spans.")      \
  X(DD_TRACE_PARTIAL_FLUSH_ENABLED, "boolean", "false",                                           \
    "Send the finished spans of a long trace before its root finishes.")                          \
  X(DD_TRACE_PARTIAL_FLUSH_MIN_SPANS, "integer", "1000",                                          \
    "Finished spans of an open trace that trigger a partial flush.")

enum class EnvVar : std::size_t {
#define GATETRACE_ENV_ENUM(name, type, default_value, description) name,
  GATETRACE_ENVIRONMENT_VARIABLES(GATETRACE_ENV_ENUM)
#undef GATETRACE_ENV_ENUM
};

struct EnvVarInfo {
  std::string_view name;
  std::string_view type;
  std::string_view default_value;
  std::string_view description;
};

inline constexpr EnvVarInfo kEnvVars[] = {
#define GATETRACE_ENV_ROW(name, type, default_value, description) \
  {#name, type, default_value, description},
    GATETRACE_ENVIRONMENT_VARIABLES(GATETRACE_ENV_ROW)
#undef GATETRACE_ENV_ROW
};

inline constexpr std::size_t kEnvVarCount = sizeof(kEnvVars) / sizeof(kEnvVars[0]);

constexpr const EnvVarInfo& info(EnvVar var) { return kEnvVars[static_cast<std::size_t>(var)]; }
constexpr std::string_view name(EnvVar var) { return info(var).name; }

}  // namespace gatetrace
