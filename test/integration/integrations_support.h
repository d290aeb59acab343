// What the framework integration tests share: a tracer wired to the agent stand-in
// through the real exporter, the headers Azure API Management forwards, and an index
// of every span the stand-in received (each payload also checked for duplicate keys).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent_stand_in/agent_stand_in.h"
#include "gatetrace/tracer.h"
#include "support/msgpack_inspect.h"

namespace gatetrace::testing {

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The headers APIM's inbound policy adds (examples/azure-apim/policy.xml).
inline std::vector<std::pair<std::string, std::string>> apim_headers(const std::string& path) {
  return {
      {"x-dd-proxy", "azure-apim"},
      {"x-dd-proxy-request-time-ms", std::to_string(now_ms() - 3)},
      {"x-dd-proxy-httpmethod", "GET"},
      {"x-dd-proxy-path", path},
      {"x-dd-proxy-region", "West Europe"},
      {"x-dd-proxy-domain-name", "shop.azure-api.net"},
  };
}

inline std::unique_ptr<Tracer> make_integration_tracer(const standin::AgentStandIn& agent) {
  TracerConfig config;
  config.service = "shop";
  config.environment = "test";
  config.agent_url = agent.url();
  config.inferred_proxy_services_enabled = true;
  config.client_ip_enabled = true;
  config.header_tags = std::vector<std::pair<std::string, std::string>>{
      {"x-served-by", "served.by"}, {"x-request-id", "request.id"}};
  config.startup_logs = false;
  config.flush_interval = std::chrono::milliseconds(50);
  config.environment_lookup = [](std::string_view) { return std::nullopt; };
  auto finalized = finalize_config(config);
  EXPECT_TRUE(finalized) << (finalized ? "" : finalized.error().message);
  return std::make_unique<Tracer>(*finalized);
}

// Every span received, with lookups by trace and by name.
struct ReceivedSpans {
  std::vector<nlohmann::json> spans;

  // Flushes the tracer, waits until `count` spans arrived, and checks every payload's
  // maps against their declared sizes.
  static ReceivedSpans collect(Tracer& tracer, const standin::AgentStandIn& agent,
                               std::size_t count) {
    ReceivedSpans result;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      tracer.flush(std::chrono::seconds(2));
      if (agent.totals().spans >= count || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const auto& request : agent.requests()) {
      if (request.path != "/v0.4/traces") continue;
      const nlohmann::json payload = decode_checked(request.body);
      for (const auto& chunk : payload) {
        for (const auto& span : chunk) result.spans.push_back(span);
      }
    }
    EXPECT_EQ(result.spans.size(), count);
    return result;
  }

  std::vector<nlohmann::json> named(const std::string& name) const {
    std::vector<nlohmann::json> out;
    for (const auto& span : spans) {
      if (span["name"] == name) out.push_back(span);
    }
    return out;
  }
  std::vector<nlohmann::json> in_trace(std::uint64_t trace_id) const {
    std::vector<nlohmann::json> out;
    for (const auto& span : spans) {
      if (span["trace_id"].get<std::uint64_t>() == trace_id) out.push_back(span);
    }
    return out;
  }
  // The one server span whose http.url contains `text`.
  nlohmann::json server_for(const std::string& text) const {
    nlohmann::json found;
    int matches = 0;
    for (const auto& span : spans) {
      if (span["name"] == "web.request" &&
          span["meta"].value("http.url", "").find(text) != std::string::npos) {
        found = span;
        ++matches;
      }
    }
    EXPECT_EQ(matches, 1) << "server spans for " << text;
    return found;
  }
  nlohmann::json by_id(std::uint64_t span_id) const {
    for (const auto& span : spans) {
      if (span["span_id"].get<std::uint64_t>() == span_id) return span;
    }
    return nullptr;
  }
};

inline std::string meta(const nlohmann::json& span, const std::string& key) {
  if (!span.is_object() || !span["meta"].contains(key)) return "<absent>";
  return span["meta"][key].get<std::string>();
}

}  // namespace gatetrace::testing
