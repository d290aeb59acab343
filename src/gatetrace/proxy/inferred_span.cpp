#include "gatetrace/proxy/inferred_span.h"

#include <fmt/format.h>

namespace gatetrace {

SpanConfig inferred_span_config(const InferredProxyRequest& request,
                                const FinalizedTracerConfig& config, TimePoint now) {
  const ProxyKind& kind = *request.kind;
  SpanConfig span;
  span.name = std::string(kind.span_name);
  span.service = request.domain.empty() ? config.service : request.domain;
  span.type = "web";

  const std::string& route = request.resource_path.empty() ? request.path : request.resource_path;
  if (!request.method.empty() && !route.empty()) {
    span.resource = fmt::format("{} {}", request.method, route);
  } else if (!request.method.empty() || !route.empty()) {
    span.resource = request.method.empty() ? route : request.method;
  } else {
    span.resource = std::string(kind.span_name);
  }

  // Same instant on both clocks: the steady reading is shifted back by the wall-clock
  // distance, so the duration (steady) and the start (wall) agree.
  span.start =
      TimePoint{request.start_wall_ns, now.steady_ns - (now.wall_ns - request.start_wall_ns)};

  auto& tags = span.tags;
  tags.reserve(12);
  tags.emplace_back("component", std::string(kind.header_value));
  tags.emplace_back("span.kind", "server");
  if (!request.method.empty()) tags.emplace_back("http.method", request.method);
  if (!request.domain.empty()) {
    tags.emplace_back("http.url", fmt::format("https://{}{}", request.domain, request.path));
  }
  if (!request.resource_path.empty()) tags.emplace_back("http.route", request.resource_path);
  if (!request.user_agent.empty()) tags.emplace_back("http.useragent", request.user_agent);
  if (!request.region.empty()) tags.emplace_back("region", request.region);
  if (!request.stage.empty()) tags.emplace_back("stage", request.stage);
  if (kind.aws_tags) {
    if (!request.account_id.empty()) tags.emplace_back("account_id", request.account_id);
    if (!request.api_id.empty()) tags.emplace_back("apiid", request.api_id);
    if (!request.user.empty()) tags.emplace_back("aws_user", request.user);
    if (!kind.resource_key_infix.empty() && !request.region.empty() && !request.api_id.empty()) {
      tags.emplace_back("dd_resource_key", fmt::format("arn:aws:apigateway:{}{}{}", request.region,
                                                       kind.resource_key_infix, request.api_id));
    }
  }
  return span;
}

void finish_inferred_span(Span& inferred, const ServerOutcome& outcome,
                          const FinalizedTracerConfig& config) {
  if (outcome.status) {
    inferred.set_tag("http.status_code", std::to_string(*outcome.status));
    if (config.http_server_error_statuses.contains(*outcome.status)) inferred.set_error(true);
  }
  if (outcome.error) inferred.set_error(true);
  if (outcome.error_message) inferred.set_error_message(*outcome.error_message);
  if (outcome.error_type) inferred.set_error_type(*outcome.error_type);
  if (outcome.error_stack) inferred.set_error_stack(*outcome.error_stack);
  inferred.set_end_time(outcome.end);
  inferred.finish();
}

}  // namespace gatetrace
