// Merging code settings with DD_* variables into a FinalizedTracerConfig.
//
// Precedence for each setting: the environment variable (when set and non-empty), else
// the value set in code, else the table's default. An invalid environment value is an
// error naming the variable and the value; the lenient path records it and falls back
// to the code value or the default, so one typo never disables tracing.
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gatetrace/config/default_values.h"
#include "gatetrace/config/environment_variables.h"
#include "gatetrace/config/parse_values.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

std::string default_service_name() {
  std::ifstream comm("/proc/self/comm");
  std::string name;
  std::getline(comm, name);
  return name.empty() ? std::string("unnamed-cpp-service") : name;
}

std::string AgentUrl::to_string() const {
  if (scheme == Scheme::kUnix) return "unix://" + socket_path;
  return fmt::format("http://{}:{}", host, port);
}

namespace {

std::string join(const std::vector<std::string>& items) {
  return fmt::format("{}", fmt::join(items, ","));
}

std::string format_pairs(const StringPairs& pairs, char separator) {
  std::vector<std::string> items;
  for (const auto& [key, value] : pairs)
    items.push_back(fmt::format("{}{}{}", key, separator, value));
  return join(items);
}

std::string format_styles(const std::vector<PropagationStyle>& styles) {
  std::vector<std::string> names;
  for (PropagationStyle style : styles) names.emplace_back(to_string(style));
  return join(names);
}

std::string format_bool(bool value) { return value ? "true" : "false"; }

class Resolver {
 public:
  Resolver(const TracerConfig& config, FinalizedTracerConfig& out) : config_(config), out_(out) {
    out_.effective_values.assign(kEnvVarCount, std::string{});
  }

  // The raw environment value of `var`, if set (empty counts as unset unless
  // `empty_is_value`).
  std::optional<std::string> env(EnvVar var, bool empty_is_value = false) const {
    std::optional<std::string> value;
    if (config_.environment_lookup) {
      value = config_.environment_lookup(name(var));
    } else if (const char* raw = std::getenv(std::string(name(var)).c_str())) {
      value = std::string(raw);
    }
    if (value && value->empty() && !empty_is_value) value.reset();
    return value;
  }

  // Resolves one setting: environment (parsed by `parse`), else code, else default.
  template <typename T, typename Parse, typename Format>
  T resolve(EnvVar var, const std::optional<T>& from_code, T fallback, Parse&& parse,
            Format&& format, bool empty_is_value = false) {
    T result = from_code ? *from_code : std::move(fallback);
    if (auto text = env(var, empty_is_value)) {
      Expected<T> parsed = parse(name(var), *text);
      if (parsed) {
        result = std::move(*parsed);
      } else {
        out_.errors.push_back(parsed.error());
      }
    }
    set_effective(var, format(result));
    return result;
  }

  void set_effective(EnvVar var, std::string text) {
    out_.effective_values[static_cast<std::size_t>(var)] = std::move(text);
  }

  void error(Error error) { out_.errors.push_back(std::move(error)); }

 private:
  const TracerConfig& config_;
  FinalizedTracerConfig& out_;
};

Expected<std::string> parse_string(std::string_view, std::string_view text) {
  return std::string(trim(text));
}

Expected<std::chrono::milliseconds> parse_millis(std::string_view variable, std::string_view text) {
  auto value = parse_uint(variable, text);
  if (!value) return value.error();
  if (*value == 0 || *value > 3'600'000) {
    return Error{Error::kOutOfRange,
                 fmt::format("{}: '{}' is not between 1 and 3600000 milliseconds", variable, text)};
  }
  return std::chrono::milliseconds(*value);
}

auto parse_size_at_least(std::size_t minimum) {
  return [minimum](std::string_view variable, std::string_view text) -> Expected<std::size_t> {
    auto value = parse_uint(variable, text);
    if (!value) return value.error();
    if (*value < minimum) {
      return Error{Error::kOutOfRange,
                   fmt::format("{}: '{}' is below the minimum of {}", variable, text, minimum)};
    }
    return static_cast<std::size_t>(*value);
  };
}

Expected<std::vector<std::string>> parse_domain_list(std::string_view, std::string_view text) {
  return parse_list(text);
}

Expected<std::vector<PropagationStyle>> parse_styles(std::string_view variable,
                                                     std::string_view text) {
  auto styles = parse_propagation_styles(text);
  if (!styles) {
    return Error{Error::kInvalidPropagationStyle,
                 fmt::format("{}: {}", variable, styles.error().message)};
  }
  return styles;
}

Expected<double> parse_rate_limit(std::string_view variable, std::string_view text) {
  auto value = parse_double(variable, text);
  if (value && *value < 0) {
    return Error{Error::kOutOfRange, fmt::format("{}: '{}' must not be negative", variable, text)};
  }
  return value;
}

std::string format_rules_count(std::size_t count) { return fmt::format("{} rule(s)", count); }

void finalize(const TracerConfig& config, FinalizedTracerConfig& out) {
  Resolver r(config, out);
  const auto same = [](const std::string& s) { return s; };
  const auto as_text = [](auto value) { return fmt::format("{}", value); };
  const auto millis = [](std::chrono::milliseconds ms) { return fmt::format("{}", ms.count()); };

  out.service = r.resolve<std::string>(EnvVar::DD_SERVICE, config.service, default_service_name(),
                                       parse_string, same);
  out.environment =
      r.resolve<std::string>(EnvVar::DD_ENV, config.environment, "", parse_string, same);
  out.version = r.resolve<std::string>(EnvVar::DD_VERSION, config.version, "", parse_string, same);
  out.tags =
      r.resolve<StringPairs>(EnvVar::DD_TAGS, config.tags, {}, parse_tags,
                             [](const StringPairs& tags) { return format_pairs(tags, ':'); });
  out.enabled =
      r.resolve<bool>(EnvVar::DD_TRACE_ENABLED, config.enabled, true, parse_bool, format_bool);

  // Agent address: DD_TRACE_AGENT_URL (env or code) wins over host and port.
  AgentUrl url;
  url.host =
      r.resolve<std::string>(EnvVar::DD_AGENT_HOST, std::nullopt, "localhost", parse_string, same);
  url.port = static_cast<int>(r.resolve<std::uint64_t>(
      EnvVar::DD_TRACE_AGENT_PORT, std::nullopt, 8126,
      [](std::string_view variable, std::string_view text) -> Expected<std::uint64_t> {
        auto port = parse_uint(variable, text);
        if (port && (*port == 0 || *port > 65535)) {
          return Error{Error::kOutOfRange,
                       fmt::format("{}: '{}' is not a port between 1 and 65535", variable, text)};
        }
        return port;
      },
      as_text));
  std::optional<AgentUrl> code_url;
  if (config.agent_url) {
    auto parsed = parse_agent_url("TracerConfig::agent_url", *config.agent_url);
    if (parsed) {
      code_url = *parsed;
    } else {
      r.error(parsed.error());
    }
  }
  out.agent_url = r.resolve<AgentUrl>(EnvVar::DD_TRACE_AGENT_URL, code_url, url, parse_agent_url,
                                      [](const AgentUrl& u) { return u.to_string(); });

  out.flush_interval =
      r.resolve<std::chrono::milliseconds>(EnvVar::DD_TRACE_FLUSH_INTERVAL, config.flush_interval,
                                           std::chrono::milliseconds(2000), parse_millis, millis);
  out.generate_128bit_trace_ids =
      r.resolve<bool>(EnvVar::DD_TRACE_128_BIT_TRACEID_GENERATION_ENABLED,
                      config.generate_128bit_trace_ids, true, parse_bool, format_bool);
  out.startup_logs = r.resolve<bool>(EnvVar::DD_TRACE_STARTUP_LOGS, config.startup_logs, true,
                                     parse_bool, format_bool);
  out.debug = r.resolve<bool>(EnvVar::DD_TRACE_DEBUG, config.debug, false, parse_bool, format_bool);
  out.writer_buffer_size_bytes = r.resolve<std::size_t>(EnvVar::DD_TRACE_WRITER_BUFFER_SIZE_BYTES,
                                                        config.writer_buffer_size_bytes, 16u << 20,
                                                        parse_size_at_least(1024), as_text);
  out.max_payload_size_bytes = r.resolve<std::size_t>(
      EnvVar::DD_TRACE_WRITER_MAX_PAYLOAD_SIZE_BYTES, config.max_payload_size_bytes, 4u << 20,
      parse_size_at_least(1024), as_text);
  if (out.max_payload_size_bytes > (25u << 20)) {
    r.error(Error{Error::kOutOfRange,
                  fmt::format("DD_TRACE_WRITER_MAX_PAYLOAD_SIZE_BYTES: '{}' exceeds the agent's "
                              "25 MiB limit; using 25 MiB",
                              out.max_payload_size_bytes)});
    out.max_payload_size_bytes = 25u << 20;
  }
  out.shutdown_timeout = r.resolve<std::chrono::milliseconds>(
      EnvVar::DD_TRACE_SHUTDOWN_TIMEOUT, config.shutdown_timeout, std::chrono::milliseconds(2000),
      parse_millis, millis);

  out.inferred_proxy_services_enabled =
      r.resolve<bool>(EnvVar::DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED,
                      config.inferred_proxy_services_enabled, false, parse_bool, format_bool);
  out.inferred_proxy_allowed_domains = r.resolve<std::vector<std::string>>(
      EnvVar::GATETRACE_INFERRED_PROXY_ALLOWED_DOMAINS, config.inferred_proxy_allowed_domains, {},
      parse_domain_list, join);

  // Status sets are validated from code as from the environment.
  const auto status_set = [&](EnvVar var, const std::optional<std::string>& code,
                              std::string_view fallback) {
    HttpStatusSet result = *parse_status_set(name(var), fallback);
    std::string text(fallback);
    for (const auto& candidate : {code, r.env(var)}) {
      if (!candidate) continue;
      if (auto set = parse_status_set(name(var), *candidate)) {
        result = *set;
        text = *candidate;
      } else {
        r.error(set.error());
      }
    }
    r.set_effective(var, text);
    return result;
  };
  out.http_server_error_statuses = status_set(EnvVar::DD_TRACE_HTTP_SERVER_ERROR_STATUSES,
                                              config.http_server_error_statuses, "500-599");
  out.http_client_error_statuses = status_set(EnvVar::DD_TRACE_HTTP_CLIENT_ERROR_STATUSES,
                                              config.http_client_error_statuses, "400-499");

  // Propagation: the specific variables override the general one.
  const std::vector<PropagationStyle> default_styles{
      PropagationStyle::kDatadog, PropagationStyle::kTraceContext, PropagationStyle::kBaggage};
  const auto both =
      r.resolve<std::vector<PropagationStyle>>(EnvVar::DD_TRACE_PROPAGATION_STYLE, std::nullopt,
                                               default_styles, parse_styles, format_styles);
  const bool general_set = r.env(EnvVar::DD_TRACE_PROPAGATION_STYLE).has_value();
  out.propagation_style_extract = r.resolve<std::vector<PropagationStyle>>(
      EnvVar::DD_TRACE_PROPAGATION_STYLE_EXTRACT,
      general_set ? std::optional(both) : config.propagation_style_extract, both, parse_styles,
      format_styles);
  out.propagation_style_inject = r.resolve<std::vector<PropagationStyle>>(
      EnvVar::DD_TRACE_PROPAGATION_STYLE_INJECT,
      general_set ? std::optional(both) : config.propagation_style_inject, both, parse_styles,
      format_styles);
  out.x_datadog_tags_max_length = r.resolve<std::size_t>(EnvVar::DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH,
                                                         config.x_datadog_tags_max_length, 512,
                                                         parse_size_at_least(0), as_text);

  // Sampling.
  out.trace_sampling_rules = r.resolve<std::vector<TraceSamplingRule>>(
      EnvVar::DD_TRACE_SAMPLING_RULES, config.trace_sampling_rules, {}, parse_trace_sampling_rules,
      [](const auto& rules) { return format_rules_count(rules.size()); });
  const auto sample_rate = r.resolve<std::optional<double>>(
      EnvVar::DD_TRACE_SAMPLE_RATE,
      config.sample_rate ? std::optional<std::optional<double>>(config.sample_rate) : std::nullopt,
      std::nullopt,
      [](std::string_view variable, std::string_view text) -> Expected<std::optional<double>> {
        auto rate = parse_rate(variable, text);
        if (!rate) return rate.error();
        return std::optional<double>(*rate);
      },
      [](const std::optional<double>& rate) { return rate ? fmt::format("{}", *rate) : ""; });
  if (config.sample_rate && !(*config.sample_rate >= 0 && *config.sample_rate <= 1)) {
    r.error(Error{
        Error::kOutOfRange,
        fmt::format("TracerConfig::sample_rate: {} is not between 0 and 1", *config.sample_rate)});
  } else if (sample_rate) {
    TraceSamplingRule catch_all;
    catch_all.sample_rate = *sample_rate;
    out.trace_sampling_rules.push_back(catch_all);
  }
  out.rate_limit = r.resolve<double>(EnvVar::DD_TRACE_RATE_LIMIT, config.rate_limit, 100.0,
                                     parse_rate_limit, as_text);

  std::optional<std::vector<SpanSamplingRule>> span_rules = config.span_sampling_rules;
  const bool span_rules_in_env = r.env(EnvVar::DD_SPAN_SAMPLING_RULES).has_value();
  const auto rules_file = r.resolve<std::string>(EnvVar::DD_SPAN_SAMPLING_RULES_FILE, std::nullopt,
                                                 "", parse_string, same);
  if (!rules_file.empty() && !span_rules_in_env) {
    std::ifstream file(rules_file);
    std::stringstream contents;
    contents << file.rdbuf();
    if (!file) {
      r.error(Error{Error::kFileUnreadable,
                    fmt::format("DD_SPAN_SAMPLING_RULES_FILE: '{}' cannot be read: {}", rules_file,
                                std::strerror(errno))});
    } else if (auto parsed =
                   parse_span_sampling_rules("DD_SPAN_SAMPLING_RULES_FILE", contents.str())) {
      span_rules = *parsed;
    } else {
      r.error(parsed.error());
    }
  }
  out.span_sampling_rules = r.resolve<std::vector<SpanSamplingRule>>(
      EnvVar::DD_SPAN_SAMPLING_RULES, span_rules, {}, parse_span_sampling_rules,
      [](const auto& rules) { return format_rules_count(rules.size()); });

  // HTTP.
  out.query_string_obfuscation_regex = r.resolve<std::optional<std::string>>(
      EnvVar::DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP,
      config.query_string_obfuscation_regex
          ? std::optional<std::optional<std::string>>(config.query_string_obfuscation_regex)
          : std::nullopt,
      std::nullopt,
      [](std::string_view, std::string_view text) -> Expected<std::optional<std::string>> {
        return std::optional<std::string>(std::string(text));
      },
      [](const std::optional<std::string>& pattern) {
        return pattern ? *pattern : std::string("Datadog's default pattern");
      },
      /*empty_is_value=*/true);
  out.client_ip_enabled = r.resolve<bool>(EnvVar::DD_TRACE_CLIENT_IP_ENABLED,
                                          config.client_ip_enabled, false, parse_bool, format_bool);
  out.header_tags = r.resolve<StringPairs>(
      EnvVar::DD_TRACE_HEADER_TAGS, config.header_tags, {}, parse_header_tags,
      [](const StringPairs& pairs) { return format_pairs(pairs, ':'); });
  out.partial_flush_enabled =
      r.resolve<bool>(EnvVar::DD_TRACE_PARTIAL_FLUSH_ENABLED, config.partial_flush_enabled, false,
                      parse_bool, format_bool);
  out.partial_flush_min_spans =
      r.resolve<std::size_t>(EnvVar::DD_TRACE_PARTIAL_FLUSH_MIN_SPANS,
                             config.partial_flush_min_spans, 1000, parse_size_at_least(1), as_text);

  out.logger = config.logger ? config.logger : default_logger();
  out.clock = config.clock ? config.clock : default_clock();
  out.id_generator = config.id_generator ? config.id_generator : default_id_generator();
  out.collector = config.collector;
  out.http_client = config.http_client;
}

}  // namespace

FinalizedTracerConfig finalize_config_with_defaults(const TracerConfig& config) {
  FinalizedTracerConfig out;
  finalize(config, out);
  return out;
}

Expected<FinalizedTracerConfig> finalize_config(const TracerConfig& config) {
  FinalizedTracerConfig out;
  finalize(config, out);
  if (!out.errors.empty()) return out.errors.front();
  return out;
}

}  // namespace gatetrace
