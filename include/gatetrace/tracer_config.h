// TracerConfig: what a user sets in code; `finalize_config` merges it with the `DD_*`
// environment variables (the environment wins, as in every Datadog tracer) and
// validates everything into a `FinalizedTracerConfig`, the only form a `Tracer`
// accepts. Every field is optional: unset means "environment, else default".
//
//   gatetrace::TracerConfig config;
//   config.service = "my-backend";
//   auto finalized = gatetrace::finalize_config(config);
//   if (!finalized) std::cerr << finalized.error().message;
//
// `finalize_config` is strict: it fails on the first invalid value. The `Tracer`
// constructor that takes a `TracerConfig` is lenient: it logs each invalid value
// (naming the variable and the value) and uses that setting's default, so a typo in
// one variable never turns tracing off. The variables are listed once, in
// src/gatetrace/config/environment_variables.h, which the README's table follows.
#pragma once

#include "gatetrace/api.h"

#include <bitset>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gatetrace/clock.h"
#include "gatetrace/collector.h"
#include "gatetrace/expected.h"
#include "gatetrace/http_client.h"
#include "gatetrace/id_generator.h"
#include "gatetrace/logger.h"

namespace gatetrace {

enum class PropagationStyle { kDatadog, kTraceContext, kB3Multi, kB3Single, kBaggage, kNone };

// A `DD_TRACE_SAMPLING_RULES` entry. Patterns are globs (`*`, `?`), matched
// ASCII-case-insensitively; an empty pattern list of tags matches any span.
struct TraceSamplingRule {
  std::string service = "*";
  std::string name = "*";
  std::string resource = "*";
  std::vector<std::pair<std::string, std::string>> tags;  // tag name -> value glob
  double sample_rate = 1.0;
};

// A `DD_SPAN_SAMPLING_RULES` entry: keeps single spans of dropped traces.
struct SpanSamplingRule {
  std::string service = "*";
  std::string name = "*";
  std::string resource = "*";
  double sample_rate = 1.0;
  std::optional<double> max_per_second;  // unset: no limit
};

// A set of HTTP status codes, e.g. "500-599" or "400,401,403-404".
class HttpStatusSet {
 public:
  bool contains(int status) const { return status >= 0 && status < 600 && codes_[status]; }
  void add(int first, int last) {
    for (int s = first; s <= last && s < 600; ++s) codes_[s] = true;
  }

 private:
  std::bitset<600> codes_;
};

struct GATETRACE_API AgentUrl {
  enum class Scheme { kHttp, kUnix };
  Scheme scheme = Scheme::kHttp;
  std::string host = "localhost";
  int port = 8126;
  std::string socket_path;  // kUnix only
  std::string to_string() const;
};

struct TracerConfig {
  std::optional<std::string> service;                                    // DD_SERVICE
  std::optional<std::string> environment;                                // DD_ENV
  std::optional<std::string> version;                                    // DD_VERSION
  std::optional<std::vector<std::pair<std::string, std::string>>> tags;  // DD_TAGS
  std::optional<bool> enabled;                                           // DD_TRACE_ENABLED
  std::optional<std::string> agent_url;  // DD_TRACE_AGENT_URL: http://host:port, unix:///path
  std::optional<std::chrono::milliseconds> flush_interval;    // DD_TRACE_FLUSH_INTERVAL
  std::optional<bool> generate_128bit_trace_ids;              // DD_TRACE_128_BIT_...
  std::optional<bool> startup_logs;                           // DD_TRACE_STARTUP_LOGS
  std::optional<bool> debug;                                  // DD_TRACE_DEBUG
  std::optional<std::size_t> writer_buffer_size_bytes;        // DD_TRACE_WRITER_BUFFER_...
  std::optional<std::size_t> max_payload_size_bytes;          // DD_TRACE_WRITER_MAX_PAYLOAD_...
  std::optional<std::chrono::milliseconds> shutdown_timeout;  // DD_TRACE_SHUTDOWN_TIMEOUT

  std::optional<bool> inferred_proxy_services_enabled;  // DD_TRACE_INFERRED_PROXY_...
  std::optional<std::vector<std::string>> inferred_proxy_allowed_domains;
  std::optional<std::string> http_server_error_statuses;  // "500-599"
  std::optional<std::string> http_client_error_statuses;  // "400-499"

  std::optional<std::vector<PropagationStyle>> propagation_style_extract;
  std::optional<std::vector<PropagationStyle>> propagation_style_inject;
  std::optional<std::size_t> x_datadog_tags_max_length;

  std::optional<std::vector<TraceSamplingRule>> trace_sampling_rules;
  std::optional<double> sample_rate;
  std::optional<double> rate_limit;
  std::optional<std::vector<SpanSamplingRule>> span_sampling_rules;

  std::optional<std::string> query_string_obfuscation_regex;
  std::optional<bool> client_ip_enabled;
  std::optional<std::vector<std::pair<std::string, std::string>>> header_tags;
  std::optional<bool> partial_flush_enabled;
  std::optional<std::size_t> partial_flush_min_spans;

  // Seams. Unset means the production implementation.
  std::shared_ptr<Logger> logger;
  std::shared_ptr<const Clock> clock;
  std::shared_ptr<IdGenerator> id_generator;
  std::shared_ptr<Collector> collector;     // replaces the agent exporter entirely
  std::shared_ptr<HttpClient> http_client;  // replaces libcurl under the agent exporter
  // Reads an environment variable; unset means getenv. Tests use it to avoid setenv.
  std::function<std::optional<std::string>(std::string_view)> environment_lookup;
};

struct FinalizedTracerConfig {
  std::string service;
  std::string environment;
  std::string version;
  std::vector<std::pair<std::string, std::string>> tags;
  bool enabled = true;
  AgentUrl agent_url;
  std::chrono::milliseconds flush_interval{2000};
  bool generate_128bit_trace_ids = true;
  bool startup_logs = true;
  bool debug = false;
  std::size_t writer_buffer_size_bytes = 16u << 20;
  std::size_t max_payload_size_bytes = 4u << 20;
  std::chrono::milliseconds shutdown_timeout{2000};

  bool inferred_proxy_services_enabled = false;
  std::vector<std::string> inferred_proxy_allowed_domains;  // empty: any domain
  HttpStatusSet http_server_error_statuses;
  HttpStatusSet http_client_error_statuses;

  std::vector<PropagationStyle> propagation_style_extract;
  std::vector<PropagationStyle> propagation_style_inject;
  std::size_t x_datadog_tags_max_length = 512;

  std::vector<TraceSamplingRule> trace_sampling_rules;  // DD_TRACE_SAMPLE_RATE appended last
  double rate_limit = 100.0;
  std::vector<SpanSamplingRule> span_sampling_rules;

  // Unset: Datadog's default pattern (see the http module); empty: no obfuscation.
  std::optional<std::string> query_string_obfuscation_regex;
  bool client_ip_enabled = false;
  std::vector<std::pair<std::string, std::string>> header_tags;  // header -> tag
  bool partial_flush_enabled = false;
  std::size_t partial_flush_min_spans = 1000;

  std::shared_ptr<Logger> logger;
  std::shared_ptr<const Clock> clock;
  std::shared_ptr<IdGenerator> id_generator;
  std::shared_ptr<Collector> collector;
  std::shared_ptr<HttpClient> http_client;

  // The effective value of every variable, as text, in the table's order: what the
  // startup log prints. Index with `EnvVar` from environment_variables.h.
  std::vector<std::string> effective_values;
  // Invalid values that were replaced by defaults (only filled by the lenient path).
  std::vector<Error> errors;
};

// Strict: the first invalid value is the result.
GATETRACE_API Expected<FinalizedTracerConfig> finalize_config(const TracerConfig& config);

// Lenient: every invalid value is listed in `errors` and replaced by its default.
GATETRACE_API FinalizedTracerConfig finalize_config_with_defaults(const TracerConfig& config);

// The startup log line: one JSON object with the effective configuration.
GATETRACE_API std::string startup_log_json(const FinalizedTracerConfig& config);

}  // namespace gatetrace
