// Every configuration variable: good values, bad values with the error text, and the
// precedence environment > code > default.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "gatetrace/config/environment_variables.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  TracerConfig config_with_env() {
    TracerConfig config;
    config.environment_lookup = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    return config;
  }

  FinalizedTracerConfig finalize_ok() {
    auto result = finalize_config(config_with_env());
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
    return result ? *result : FinalizedTracerConfig{};
  }

  // The error of an invalid value: strict finalize fails with it, and the lenient path
  // lists it and still yields a config.
  Error finalize_error() {
    auto strict = finalize_config(config_with_env());
    EXPECT_FALSE(strict.has_value());
    auto lenient = finalize_config_with_defaults(config_with_env());
    EXPECT_EQ(lenient.errors.size(), 1u);
    return strict ? Error{} : strict.error();
  }

  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, DefaultsMatchTheTable) {
  const auto config = finalize_ok();
  EXPECT_FALSE(config.service.empty());
  EXPECT_EQ(config.environment, "");
  EXPECT_TRUE(config.enabled);
  EXPECT_EQ(config.agent_url.to_string(), "http://localhost:8126");
  EXPECT_EQ(config.flush_interval.count(), 2000);
  EXPECT_TRUE(config.generate_128bit_trace_ids);
  EXPECT_FALSE(config.debug);
  EXPECT_EQ(config.writer_buffer_size_bytes, 16u << 20);
  EXPECT_EQ(config.max_payload_size_bytes, 4u << 20);
  EXPECT_EQ(config.shutdown_timeout.count(), 2000);
  EXPECT_FALSE(config.inferred_proxy_services_enabled);
  EXPECT_TRUE(config.http_server_error_statuses.contains(500));
  EXPECT_TRUE(config.http_server_error_statuses.contains(599));
  EXPECT_FALSE(config.http_server_error_statuses.contains(404));
  EXPECT_TRUE(config.http_client_error_statuses.contains(404));
  EXPECT_EQ(config.propagation_style_extract.size(), 3u);
  EXPECT_EQ(config.x_datadog_tags_max_length, 512u);
  EXPECT_TRUE(config.trace_sampling_rules.empty());
  EXPECT_EQ(config.rate_limit, 100.0);
  EXPECT_FALSE(config.query_string_obfuscation_regex.has_value());
  EXPECT_EQ(config.partial_flush_min_spans, 1000u);
  EXPECT_EQ(config.effective_values.size(), kEnvVarCount);
  // The table's default column agrees with what finalize produced.
  for (std::size_t i = 0; i < kEnvVarCount; ++i) {
    const auto& row = kEnvVars[i];
    if (row.name == "DD_SERVICE" || row.name == "DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP" ||
        row.name == "DD_TRACE_SAMPLING_RULES" || row.name == "DD_SPAN_SAMPLING_RULES") {
      continue;
    }
    EXPECT_EQ(config.effective_values[i], row.default_value) << row.name;
  }
}

TEST_F(ConfigTest, EnvironmentWinsOverCode) {
  env_["DD_SERVICE"] = "from-env";
  env_["DD_ENV"] = "prod";
  env_["DD_VERSION"] = "1.2.3";
  TracerConfig config = config_with_env();
  config.service = "from-code";
  config.environment = "staging";
  auto result = finalize_config(config);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->service, "from-env");
  EXPECT_EQ(result->environment, "prod");
  EXPECT_EQ(result->version, "1.2.3");
}

TEST_F(ConfigTest, CodeWinsOverDefault) {
  TracerConfig config = config_with_env();
  config.service = "from-code";
  config.flush_interval = std::chrono::milliseconds(50);
  config.inferred_proxy_services_enabled = true;
  auto result = finalize_config(config);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->service, "from-code");
  EXPECT_EQ(result->flush_interval.count(), 50);
  EXPECT_TRUE(result->inferred_proxy_services_enabled);
}

TEST_F(ConfigTest, BooleansAcceptEveryDocumentedSpelling) {
  for (const char* text : {"true", "TRUE", "1", "yes", "Yes", " true "}) {
    env_["DD_TRACE_DEBUG"] = text;
    EXPECT_TRUE(finalize_ok().debug) << text;
  }
  for (const char* text : {"false", "False", "0", "no", "NO"}) {
    env_["DD_TRACE_DEBUG"] = text;
    EXPECT_FALSE(finalize_ok().debug) << text;
  }
}

TEST_F(ConfigTest, BadBooleanNamesVariableAndValue) {
  env_["DD_TRACE_ENABLED"] = "maybe";
  const Error error = finalize_error();
  EXPECT_EQ(error.code, Error::kInvalidBoolean);
  EXPECT_NE(error.message.find("DD_TRACE_ENABLED"), std::string::npos);
  EXPECT_NE(error.message.find("'maybe'"), std::string::npos);
}

TEST_F(ConfigTest, LenientPathKeepsDefaultsAndOtherSettings) {
  env_["DD_TRACE_AGENT_PORT"] = "abc";
  env_["DD_SERVICE"] = "svc";
  const auto config = finalize_config_with_defaults(config_with_env());
  ASSERT_EQ(config.errors.size(), 1u);
  EXPECT_EQ(config.errors[0].code, Error::kInvalidInteger);
  EXPECT_NE(config.errors[0].message.find("DD_TRACE_AGENT_PORT: 'abc'"), std::string::npos);
  EXPECT_EQ(config.agent_url.port, 8126);
  EXPECT_EQ(config.service, "svc");
}

TEST_F(ConfigTest, AgentHostAndPort) {
  env_["DD_AGENT_HOST"] = "agent.local";
  env_["DD_TRACE_AGENT_PORT"] = "9126";
  EXPECT_EQ(finalize_ok().agent_url.to_string(), "http://agent.local:9126");
}

TEST_F(ConfigTest, AgentPortOutOfRange) {
  env_["DD_TRACE_AGENT_PORT"] = "70000";
  EXPECT_EQ(finalize_error().code, Error::kOutOfRange);
}

TEST_F(ConfigTest, AgentUrlOverridesHostAndPort) {
  env_["DD_AGENT_HOST"] = "ignored";
  env_["DD_TRACE_AGENT_URL"] = "http://127.0.0.1:1234";
  const auto config = finalize_ok();
  EXPECT_EQ(config.agent_url.host, "127.0.0.1");
  EXPECT_EQ(config.agent_url.port, 1234);
}

TEST_F(ConfigTest, AgentUrlUnixSocket) {
  env_["DD_TRACE_AGENT_URL"] = "unix:///var/run/datadog/apm.socket";
  const auto config = finalize_ok();
  EXPECT_EQ(config.agent_url.scheme, AgentUrl::Scheme::kUnix);
  EXPECT_EQ(config.agent_url.socket_path, "/var/run/datadog/apm.socket");
  EXPECT_EQ(config.agent_url.to_string(), "unix:///var/run/datadog/apm.socket");
}

TEST_F(ConfigTest, AgentUrlIPv6AndDefaultPort) {
  env_["DD_TRACE_AGENT_URL"] = "http://[::1]:8126/";
  EXPECT_EQ(finalize_ok().agent_url.host, "[::1]");
  env_["DD_TRACE_AGENT_URL"] = "http://agent";
  EXPECT_EQ(finalize_ok().agent_url.port, 8126);
}

TEST_F(ConfigTest, BadAgentUrls) {
  for (const char* text : {"https://agent:8126", "ftp://x", "unix://relative", "http://:8126",
                           "http://agent:0", "http://agent:abc", "http://agent/v0.4/traces"}) {
    env_["DD_TRACE_AGENT_URL"] = text;
    const Error error = finalize_error();
    EXPECT_EQ(error.code, Error::kInvalidUrl) << text;
    EXPECT_NE(error.message.find(text), std::string::npos) << error.message;
  }
}

TEST_F(ConfigTest, TagsCommaOrSpaceSeparated) {
  env_["DD_TAGS"] = "team:apm, region:eu-west ,url:http://x:1";
  auto tags = finalize_ok().tags;
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[0], (std::pair<std::string, std::string>{"team", "apm"}));
  EXPECT_EQ(tags[1], (std::pair<std::string, std::string>{"region", "eu-west"}));
  EXPECT_EQ(tags[2], (std::pair<std::string, std::string>{"url", "http://x:1"}));
  env_["DD_TAGS"] = "team:apm  region:eu  flag";
  tags = finalize_ok().tags;
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[1].second, "eu");
  EXPECT_EQ(tags[2], (std::pair<std::string, std::string>{"flag", ""}));
}

TEST_F(ConfigTest, TagsWithoutKeyAreAnError) {
  env_["DD_TAGS"] = "team:apm,:orphan";
  const Error error = finalize_error();
  EXPECT_EQ(error.code, Error::kInvalidTags);
  EXPECT_NE(error.message.find("DD_TAGS"), std::string::npos);
}

TEST_F(ConfigTest, MillisecondSettings) {
  env_["DD_TRACE_FLUSH_INTERVAL"] = "250";
  env_["DD_TRACE_SHUTDOWN_TIMEOUT"] = "100";
  const auto config = finalize_ok();
  EXPECT_EQ(config.flush_interval.count(), 250);
  EXPECT_EQ(config.shutdown_timeout.count(), 100);
  for (const char* text : {"0", "-5", "1.5", "soon", "99999999999"}) {
    env_["DD_TRACE_FLUSH_INTERVAL"] = text;
    auto lenient = finalize_config_with_defaults(config_with_env());
    ASSERT_FALSE(lenient.errors.empty()) << text;
    EXPECT_NE(lenient.errors[0].message.find("DD_TRACE_FLUSH_INTERVAL"), std::string::npos);
    EXPECT_EQ(lenient.flush_interval.count(), 2000);
  }
}

TEST_F(ConfigTest, WriterSizes) {
  env_["DD_TRACE_WRITER_BUFFER_SIZE_BYTES"] = "1048576";
  env_["DD_TRACE_WRITER_MAX_PAYLOAD_SIZE_BYTES"] = "65536";
  const auto config = finalize_ok();
  EXPECT_EQ(config.writer_buffer_size_bytes, 1048576u);
  EXPECT_EQ(config.max_payload_size_bytes, 65536u);
  env_["DD_TRACE_WRITER_BUFFER_SIZE_BYTES"] = "12";
  EXPECT_EQ(finalize_error().code, Error::kOutOfRange);
}

TEST_F(ConfigTest, PayloadSizeCappedAtAgentLimit) {
  env_["DD_TRACE_WRITER_MAX_PAYLOAD_SIZE_BYTES"] = "104857600";
  const auto config = finalize_config_with_defaults(config_with_env());
  EXPECT_EQ(config.max_payload_size_bytes, 25u << 20);
  EXPECT_EQ(config.errors.size(), 1u);
}

TEST_F(ConfigTest, OneHundredTwentyEightBitIds) {
  env_["DD_TRACE_128_BIT_TRACEID_GENERATION_ENABLED"] = "false";
  EXPECT_FALSE(finalize_ok().generate_128bit_trace_ids);
}

TEST_F(ConfigTest, StartupLogsAndEnabled) {
  env_["DD_TRACE_STARTUP_LOGS"] = "0";
  env_["DD_TRACE_ENABLED"] = "no";
  const auto config = finalize_ok();
  EXPECT_FALSE(config.startup_logs);
  EXPECT_FALSE(config.enabled);
}

TEST_F(ConfigTest, InferredProxySwitchAndAllowlist) {
  env_["DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED"] = "true";
  env_["GATETRACE_INFERRED_PROXY_ALLOWED_DOMAINS"] = "*.azure-api.net, api.example.com,";
  const auto config = finalize_ok();
  EXPECT_TRUE(config.inferred_proxy_services_enabled);
  EXPECT_EQ(config.inferred_proxy_allowed_domains,
            (std::vector<std::string>{"*.azure-api.net", "api.example.com"}));
  env_["DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED"] = "on";
  EXPECT_EQ(finalize_error().code, Error::kInvalidBoolean);
}

TEST_F(ConfigTest, ServerErrorStatuses) {
  env_["DD_TRACE_HTTP_SERVER_ERROR_STATUSES"] = "500-502, 429";
  const auto config = finalize_ok();
  EXPECT_TRUE(config.http_server_error_statuses.contains(429));
  EXPECT_TRUE(config.http_server_error_statuses.contains(501));
  EXPECT_FALSE(config.http_server_error_statuses.contains(503));
  for (const char* text : {"abc", "600", "502-500", "5xx", "500-", "99"}) {
    env_["DD_TRACE_HTTP_SERVER_ERROR_STATUSES"] = text;
    const Error error = finalize_error();
    EXPECT_EQ(error.code, Error::kInvalidStatusCodes) << text;
    EXPECT_NE(error.message.find("DD_TRACE_HTTP_SERVER_ERROR_STATUSES"), std::string::npos);
    auto lenient = finalize_config_with_defaults(config_with_env());
    EXPECT_TRUE(lenient.http_server_error_statuses.contains(500)) << text;
  }
}

TEST_F(ConfigTest, ClientErrorStatusesFromCode) {
  TracerConfig config = config_with_env();
  config.http_client_error_statuses = "400-403";
  auto result = finalize_config(config);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->http_client_error_statuses.contains(403));
  EXPECT_FALSE(result->http_client_error_statuses.contains(404));
}

TEST_F(ConfigTest, PropagationStyles) {
  env_["DD_TRACE_PROPAGATION_STYLE"] = "b3multi,tracecontext";
  auto config = finalize_ok();
  EXPECT_EQ(
      config.propagation_style_extract,
      (std::vector<PropagationStyle>{PropagationStyle::kB3Multi, PropagationStyle::kTraceContext}));
  EXPECT_EQ(config.propagation_style_inject, config.propagation_style_extract);
  env_["DD_TRACE_PROPAGATION_STYLE_INJECT"] = "datadog";
  config = finalize_ok();
  EXPECT_EQ(config.propagation_style_inject,
            (std::vector<PropagationStyle>{PropagationStyle::kDatadog}));
  env_["DD_TRACE_PROPAGATION_STYLE_EXTRACT"] = "datadog,jaeger";
  const Error error = finalize_error();
  EXPECT_EQ(error.code, Error::kInvalidPropagationStyle);
  EXPECT_NE(error.message.find("DD_TRACE_PROPAGATION_STYLE_EXTRACT"), std::string::npos);
  EXPECT_NE(error.message.find("jaeger"), std::string::npos);
}

TEST_F(ConfigTest, XDatadogTagsMaxLength) {
  env_["DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH"] = "0";
  EXPECT_EQ(finalize_ok().x_datadog_tags_max_length, 0u);
  env_["DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH"] = "-1";
  EXPECT_EQ(finalize_error().code, Error::kInvalidInteger);
}

TEST_F(ConfigTest, SamplingRulesAndCatchAllRate) {
  env_["DD_TRACE_SAMPLING_RULES"] =
      R"([{"service":"my-*","name":"azure.apim","resource":"GET /users/?","tags":{"region":"eu*"},"sample_rate":0.25},{"sample_rate":0}])";
  env_["DD_TRACE_SAMPLE_RATE"] = "0.5";
  const auto config = finalize_ok();
  ASSERT_EQ(config.trace_sampling_rules.size(), 3u);
  const auto& first = config.trace_sampling_rules[0];
  EXPECT_EQ(first.service, "my-*");
  EXPECT_EQ(first.name, "azure.apim");
  EXPECT_EQ(first.resource, "GET /users/?");
  ASSERT_EQ(first.tags.size(), 1u);
  EXPECT_EQ(first.tags[0].second, "eu*");
  EXPECT_EQ(first.sample_rate, 0.25);
  EXPECT_EQ(config.trace_sampling_rules[1].service, "*");
  EXPECT_EQ(config.trace_sampling_rules[1].sample_rate, 0.0);
  EXPECT_EQ(config.trace_sampling_rules[2].service, "*");
  EXPECT_EQ(config.trace_sampling_rules[2].sample_rate, 0.5);
}

TEST_F(ConfigTest, BadSamplingRules) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "is not valid JSON"},
      {R"({"sample_rate":1})", "is not a JSON array"},
      {R"([1])", "is not an object"},
      {R"([{"sample_rate":1.5}])", "is not between 0 and 1"},
      {R"([{"sample_rate":"0.5"}])", "must be a number"},
      {R"([{"service":5}])", "must be a string"},
      {R"([{"servic":"x"}])", "unknown property \"servic\""},
      {R"([{"tags":["a"]}])", "\"tags\" must be an object"},
  };
  for (const auto& [json, expected] : cases) {
    env_["DD_TRACE_SAMPLING_RULES"] = json;
    const Error error = finalize_error();
    EXPECT_EQ(error.code, Error::kInvalidSamplingRules) << json;
    EXPECT_NE(error.message.find("DD_TRACE_SAMPLING_RULES"), std::string::npos);
    EXPECT_NE(error.message.find(expected), std::string::npos) << error.message;
  }
}

TEST_F(ConfigTest, SampleRateOutOfRange) {
  env_["DD_TRACE_SAMPLE_RATE"] = "1.5";
  const Error error = finalize_error();
  EXPECT_EQ(error.code, Error::kOutOfRange);
  EXPECT_NE(error.message.find("DD_TRACE_SAMPLE_RATE: '1.5'"), std::string::npos);
}

TEST_F(ConfigTest, RateLimit) {
  env_["DD_TRACE_RATE_LIMIT"] = "20.5";
  EXPECT_EQ(finalize_ok().rate_limit, 20.5);
  env_["DD_TRACE_RATE_LIMIT"] = "-1";
  const Error error = finalize_error();
  EXPECT_EQ(error.code, Error::kOutOfRange);
  EXPECT_NE(error.message.find("DD_TRACE_RATE_LIMIT"), std::string::npos);
}

TEST_F(ConfigTest, SpanSamplingRules) {
  env_["DD_SPAN_SAMPLING_RULES"] =
      R"([{"service":"db","name":"query","sample_rate":0.5,"max_per_second":10}])";
  const auto config = finalize_ok();
  ASSERT_EQ(config.span_sampling_rules.size(), 1u);
  EXPECT_EQ(config.span_sampling_rules[0].service, "db");
  EXPECT_EQ(config.span_sampling_rules[0].sample_rate, 0.5);
  EXPECT_EQ(config.span_sampling_rules[0].max_per_second, 10.0);
  env_["DD_SPAN_SAMPLING_RULES"] = R"([{"max_per_second":-3}])";
  EXPECT_EQ(finalize_error().code, Error::kInvalidSpanSamplingRules);
}

TEST_F(ConfigTest, SpanSamplingRulesFile) {
  const std::string path = ::testing::TempDir() + "gatetrace_span_rules.json";
  {
    std::ofstream file(path);
    file << R"([{"name":"cache.*","sample_rate":1}])";
  }
  env_["DD_SPAN_SAMPLING_RULES_FILE"] = path;
  auto config = finalize_ok();
  ASSERT_EQ(config.span_sampling_rules.size(), 1u);
  EXPECT_EQ(config.span_sampling_rules[0].name, "cache.*");
  // The variable wins over the file.
  env_["DD_SPAN_SAMPLING_RULES"] = R"([{"name":"db"}])";
  config = finalize_ok();
  ASSERT_EQ(config.span_sampling_rules.size(), 1u);
  EXPECT_EQ(config.span_sampling_rules[0].name, "db");
  env_.erase("DD_SPAN_SAMPLING_RULES");
  env_["DD_SPAN_SAMPLING_RULES_FILE"] = "/nonexistent/rules.json";
  const Error error = finalize_error();
  EXPECT_EQ(error.code, Error::kFileUnreadable);
  EXPECT_NE(error.message.find("/nonexistent/rules.json"), std::string::npos);
}

TEST_F(ConfigTest, ObfuscationPatternEmptyDisables) {
  EXPECT_FALSE(finalize_ok().query_string_obfuscation_regex.has_value());
  env_["DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP"] = "";
  auto config = finalize_ok();
  ASSERT_TRUE(config.query_string_obfuscation_regex.has_value());
  EXPECT_EQ(*config.query_string_obfuscation_regex, "");
  env_["DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP"] = "secret=[^&]*";
  EXPECT_EQ(*finalize_ok().query_string_obfuscation_regex, "secret=[^&]*");
}

TEST_F(ConfigTest, ClientIpAndHeaderTags) {
  env_["DD_TRACE_CLIENT_IP_ENABLED"] = "true";
  env_["DD_TRACE_HEADER_TAGS"] = "X-Request-Id:request.id, User-Agent";
  const auto config = finalize_ok();
  EXPECT_TRUE(config.client_ip_enabled);
  ASSERT_EQ(config.header_tags.size(), 2u);
  EXPECT_EQ(config.header_tags[0],
            (std::pair<std::string, std::string>{"x-request-id", "request.id"}));
  EXPECT_EQ(config.header_tags[1],
            (std::pair<std::string, std::string>{"user-agent", "http.request.headers.user-agent"}));
  env_["DD_TRACE_HEADER_TAGS"] = ":tag";
  EXPECT_EQ(finalize_error().code, Error::kInvalidTags);
}

TEST_F(ConfigTest, PartialFlush) {
  env_["DD_TRACE_PARTIAL_FLUSH_ENABLED"] = "true";
  env_["DD_TRACE_PARTIAL_FLUSH_MIN_SPANS"] = "10";
  const auto config = finalize_ok();
  EXPECT_TRUE(config.partial_flush_enabled);
  EXPECT_EQ(config.partial_flush_min_spans, 10u);
  env_["DD_TRACE_PARTIAL_FLUSH_MIN_SPANS"] = "0";
  EXPECT_EQ(finalize_error().code, Error::kOutOfRange);
}

TEST_F(ConfigTest, StartupLogIsOneJsonLineWithEveryVariable) {
  env_["DD_SERVICE"] = "svc";
  env_["DD_TRACE_AGENT_PORT"] = "bad";
  const auto config = finalize_config_with_defaults(config_with_env());
  const std::string log = startup_log_json(config);
  EXPECT_EQ(log.find('\n'), std::string::npos);
  for (std::size_t i = 0; i < kEnvVarCount; ++i) {
    EXPECT_NE(log.find(std::string("\"") + std::string(kEnvVars[i].name) + "\""), std::string::npos)
        << kEnvVars[i].name;
  }
  EXPECT_NE(log.find("\"DD_SERVICE\":\"svc\""), std::string::npos);
  EXPECT_NE(log.find("DD_TRACE_AGENT_PORT: 'bad'"), std::string::npos);
}

}  // namespace
}  // namespace gatetrace
