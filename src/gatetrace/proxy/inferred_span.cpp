#include "gatetrace/proxy/inferred_span.h"

#include <charconv>
#include <string_view>

#include "gatetrace/proxy/joined_value.h"
#include "gatetrace/proxy/put_reusing.h"

namespace gatetrace {

TimePoint inferred_span_start(const ProxyHeaderFields& request, TimePoint now) {
  return TimePoint{request.start_wall_ns, now.steady_ns - (now.wall_ns - request.start_wall_ns)};
}

void describe_inferred_span(const ProxyHeaderFields& request, const FinalizedTracerConfig& config,
                            SpanConfig& span_config) {
  const ProxyKind& kind = *request.kind;
  put_reusing(span_config.name, kind.span_name);
  put_reusing(span_config.service,
              request.domain.empty() ? std::string_view(config.service) : request.domain);
  put_reusing(span_config.type, "web");

  // The route is the resource path, else the path (with the '/' it may lack).
  const bool by_resource_path = !request.resource_path.empty();
  const std::string_view route = by_resource_path ? request.resource_path : request.path;
  const std::string_view route_prefix = by_resource_path ? "" : request.path_prefix();
  if (!request.method.empty() && !route.empty()) {
    put_reusing(span_config.resource,
                JoinedValue({request.method, " ", route_prefix, route}).view());
  } else if (!request.method.empty()) {
    put_reusing(span_config.resource, request.method);
  } else if (!route.empty()) {
    put_reusing(span_config.resource, JoinedValue({route_prefix, route}).view());
  } else {
    put_reusing(span_config.resource, kind.span_name);
  }
}

void set_inferred_span_tags(Span& span, const ProxyHeaderFields& request) {
  const ProxyKind& kind = *request.kind;
  span.set_tag("component", kind.header_value);
  span.set_tag("span.kind", "server");
  if (!request.method.empty()) span.set_tag("http.method", request.method);
  if (!request.domain.empty()) {
    span.set_tag(
        "http.url",
        JoinedValue({"https://", request.domain, request.path_prefix(), request.path}).view());
  }
  if (!request.resource_path.empty()) span.set_tag("http.route", request.resource_path);
  if (!request.user_agent.empty()) span.set_tag("http.useragent", request.user_agent);
  if (!request.region.empty()) span.set_tag("region", request.region);
  if (!request.stage.empty()) span.set_tag("stage", request.stage);
  if (kind.aws_tags) {
    if (!request.account_id.empty()) span.set_tag("account_id", request.account_id);
    if (!request.api_id.empty()) span.set_tag("apiid", request.api_id);
    if (!request.user.empty()) span.set_tag("aws_user", request.user);
    if (!kind.resource_key_infix.empty() && !request.region.empty() && !request.api_id.empty()) {
      span.set_tag("dd_resource_key", JoinedValue({"arn:aws:apigateway:", request.region,
                                                   kind.resource_key_infix, request.api_id})
                                          .view());
    }
  }
}

void finish_inferred_span(Span& inferred, const ServerOutcome& outcome,
                          const FinalizedTracerConfig& config) {
  if (outcome.status) {
    char digits[16];  // as std::to_string writes it
    const char* end = std::to_chars(digits, digits + sizeof digits, *outcome.status).ptr;
    inferred.set_tag("http.status_code", std::string_view(digits, end - digits));
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
