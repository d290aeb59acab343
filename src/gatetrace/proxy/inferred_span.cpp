#include "gatetrace/proxy/inferred_span.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "gatetrace/proxy/joined_value.h"
#include "gatetrace/trace/span_tag_writer.h"

namespace gatetrace {
namespace {

// http.url: "https://" + domain + the path (with the leading '/' it may lack).
std::size_t inferred_url_size(const ProxyHeaderFields& request) {
  return 8 + request.domain.size() + (request.path_slash ? 1 : 0) + request.path.size();
}

// Writes the inferred_url_size() bytes of http.url at `out`.
void write_inferred_url(char* out, const ProxyHeaderFields& request) {
  std::memcpy(out, "https://", 8);
  out += 8;
  detail::move_chars(out, request.domain.data(), request.domain.size());
  out += request.domain.size();
  if (request.path_slash) *out++ = '/';
  detail::move_chars(out, request.path.data(), request.path.size());
}

// http.url, set by itself (when the span could not take the HTTP tags as one run).
// Joined on the stack when it fits (it nearly always does: the domain is at most 253
// bytes), else by JoinedValue.
void set_inferred_url(SpanTagWriter& tags, const ProxyHeaderFields& request) {
  char joined[320];
  const std::size_t size = inferred_url_size(request);
  if (size > sizeof joined) {
    tags.set_known<span_keys::kHttpUrl>(
        JoinedValue({"https://", request.domain, request.path_prefix(), request.path}).view());
    return;
  }
  write_inferred_url(joined, request);
  tags.set_known<span_keys::kHttpUrl>(std::string_view(joined, size));
}

// Writes a kind's header value (8 to 16 bytes, proxy_kinds.h) at `out` as its first
// and last 8 bytes, without move_chars' size tests.
void put_kind_value(char* out, std::string_view value) {
  std::uint64_t first;
  std::uint64_t last;
  std::memcpy(&first, value.data(), sizeof first);
  std::memcpy(&last, value.data() + value.size() - sizeof last, sizeof last);
  std::memcpy(out, &first, sizeof first);
  std::memcpy(out + value.size() - sizeof last, &last, sizeof last);
}

constexpr std::uint32_t kInferredRunKeys = SpanTagWriter::known_key_bits<
    span_keys::kComponent, span_keys::kSpanKind, span_keys::kHttpMethod, span_keys::kHttpUrl,
    span_keys::kHttpRoute, span_keys::kHttpUserAgent, span_keys::kRegion, span_keys::kStage>();

// The tags of span_keys.h, in this order: component, span.kind, then the HTTP ones, region
// and stage the request has. A freshly created span usually takes them as one run (the
// URL written straight into its storage); else they are set one by one, with the same
// result.
void set_inferred_run_tags(SpanTagWriter& tags, const ProxyHeaderFields& request) {
  const ProxyKind& kind = *request.kind;
  const std::size_t url_size = request.domain.empty() ? 0 : inferred_url_size(request);
  const std::size_t text = kind.header_value.size() + 6 + request.method.size() + url_size +
                           request.resource_path.size() + request.user_agent.size() +
                           request.region.size() + request.stage.size();
  if (Meta* meta = tags.meta_for_run(kInferredRunKeys, 8, text)) {
    Meta::Appender run(*meta);
    put_kind_value(run.place<span_keys::kComponent>(kind.header_value.size()), kind.header_value);
    run.append<span_keys::kSpanKind>("server");
    if (!request.method.empty()) run.append<span_keys::kHttpMethod>(request.method);
    if (!request.domain.empty()) {
      write_inferred_url(run.place<span_keys::kHttpUrl>(url_size), request);
    }
    if (!request.resource_path.empty()) {
      run.append<span_keys::kHttpRoute>(request.resource_path);
    }
    if (!request.user_agent.empty()) run.append<span_keys::kHttpUserAgent>(request.user_agent);
    if (!request.region.empty()) run.append<span_keys::kRegion>(request.region);
    if (!request.stage.empty()) run.append<span_keys::kStage>(request.stage);
    return;
  }
  tags.set_known<span_keys::kComponent>(kind.header_value);
  tags.set_known<span_keys::kSpanKind>("server");
  if (!request.method.empty()) tags.set_known<span_keys::kHttpMethod>(request.method);
  if (!request.domain.empty()) set_inferred_url(tags, request);
  if (!request.resource_path.empty()) {
    tags.set_known<span_keys::kHttpRoute>(request.resource_path);
  }
  if (!request.user_agent.empty()) tags.set_known<span_keys::kHttpUserAgent>(request.user_agent);
  if (!request.region.empty()) tags.set_known<span_keys::kRegion>(request.region);
  if (!request.stage.empty()) tags.set_known<span_keys::kStage>(request.stage);
}

}  // namespace

void set_inferred_span_tags(Span& span, const ProxyHeaderFields& request) {
  const ProxyKind& kind = *request.kind;
  // The span's storage found once; the keys of span_keys.h by id.
  SpanTagWriter tags(span);
  set_inferred_run_tags(tags, request);
  if (kind.aws_tags) {
    if (!request.account_id.empty()) tags.set("account_id", request.account_id);
    if (!request.api_id.empty()) tags.set("apiid", request.api_id);
    if (!request.user.empty()) tags.set("aws_user", request.user);
    if (!kind.resource_key_infix.empty() && !request.region.empty() && !request.api_id.empty()) {
      tags.set("dd_resource_key", JoinedValue({"arn:aws:apigateway:", request.region,
                                               kind.resource_key_infix, request.api_id})
                                      .view());
    }
  }
}

void finish_inferred_span(Span& inferred, const ServerOutcome& outcome,
                          const FinalizedTracerConfig& config) {
  copy_status_to_inferred(inferred, outcome.status, config);
  if (outcome.error) inferred.set_error(true);
  if (outcome.error_message) inferred.set_error_message(*outcome.error_message);
  if (outcome.error_type) inferred.set_error_type(*outcome.error_type);
  if (outcome.error_stack) inferred.set_error_stack(*outcome.error_stack);
  inferred.set_end_time(outcome.end);
  inferred.finish();
}

}  // namespace gatetrace
