#include "gatetrace/proxy/inferred_span.h"

#include <initializer_list>
#include <string>
#include <string_view>

namespace gatetrace {

namespace {

// Joins `parts` into a per-thread buffer, for the values built from several pieces: the
// buffer keeps its capacity, so building them does not allocate once it has grown.
std::string_view join(std::initializer_list<std::string_view> parts) {
  thread_local std::string buffer;
  buffer.clear();
  for (std::string_view part : parts) buffer.append(part);
  return buffer;
}

}  // namespace

TimePoint inferred_span_start(const ProxyHeaderFields& request, TimePoint now) {
  return TimePoint{request.start_wall_ns, now.steady_ns - (now.wall_ns - request.start_wall_ns)};
}

void set_inferred_span_fields(Span& span, const ProxyHeaderFields& request,
                              const FinalizedTracerConfig& config) {
  const ProxyKind& kind = *request.kind;
  span.set_name(kind.span_name);
  span.set_service(request.domain.empty() ? std::string_view(config.service) : request.domain);
  span.set_type("web");

  // The route is the resource path, else the path (with the '/' it may lack).
  const bool by_resource_path = !request.resource_path.empty();
  const std::string_view route = by_resource_path ? request.resource_path : request.path;
  const std::string_view route_prefix = by_resource_path ? "" : request.path_prefix();
  if (!request.method.empty() && !route.empty()) {
    span.set_resource(join({request.method, " ", route_prefix, route}));
  } else if (!request.method.empty()) {
    span.set_resource(request.method);
  } else if (!route.empty()) {
    span.set_resource(route_prefix.empty() ? route : join({route_prefix, route}));
  } else {
    span.set_resource(kind.span_name);
  }

  span.set_tag("component", kind.header_value);
  span.set_tag("span.kind", "server");
  if (!request.method.empty()) span.set_tag("http.method", request.method);
  if (!request.domain.empty()) {
    span.set_tag("http.url",
                 join({"https://", request.domain, request.path_prefix(), request.path}));
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
      span.set_tag("dd_resource_key", join({"arn:aws:apigateway:", request.region,
                                            kind.resource_key_infix, request.api_id}));
    }
  }
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
