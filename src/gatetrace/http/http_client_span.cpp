#include "gatetrace/http_client_span.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "gatetrace/http/query_obfuscator.h"
#include "gatetrace/proxy/inferred_span.h"
#include "gatetrace/span_keys.h"
#include "gatetrace/trace/span_creation.h"
#include "gatetrace/trace/span_tag_writer.h"
#include "gatetrace/trace/tracer_core.h"

namespace gatetrace {
namespace {

constexpr std::size_t kUrlCap = 2048;

// The per-thread string a URL to obfuscate is copied into (it keeps its capacity).
std::string& client_url_buffer() {
  thread_local std::string url;
  return url;
}

}  // namespace

std::string_view url_host(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::string_view authority = url.substr(scheme + 3);
  // One pass to the authority's end (the path, the query or the fragment), noting where
  // the host starts (after the last '@' of any user info), where a scan for the end and
  // then rfind('@') read every byte twice (url_host 349 -> 255 instructions on a
  // loopback URL).
  std::size_t start = 0;
  std::size_t end = 0;
  for (; end < authority.size(); ++end) {
    const char c = authority[end];
    if (c == '/' || c == '?' || c == '#') break;
    if (c == '@') start = end + 1;
  }
  const std::string_view host = authority.substr(start, end - start);
  if (!host.empty() && host.front() == '[') return host.substr(1, host.find(']') - 1);
  return host.substr(0, host.find(':'));
}

namespace {

// The client span, made as the constructor's member (no Span moved in and destroyed).
Span create_client_span(Tracer& tracer, const TracerCore& core, const Span& parent,
                        const HttpClientRequest& request) {
  if (parent.empty()) {
    // A call outside any trace: a new trace's root (rare), through the public API.
    SpanConfig config;
    config.name = request.span_name;
    config.resource = request.method;
    config.type = "http";
    return tracer.create_span(config);
  }
  // A child inherits its parent's service (the tracer's once the parent finished).
  const std::string_view service =
      parent.finished() ? std::string_view(core.config.service) : parent.service();
  return create_child_from_texts(
      parent, {request.span_name, service, request.method, "http", std::nullopt});
}

constexpr std::uint32_t kClientHttpKeys =
    SpanTagWriter::known_key_bits<span_keys::kSpanKind, span_keys::kComponent,
                                  span_keys::kHttpMethod, span_keys::kHttpUrl,
                                  span_keys::kOutHost>();

}  // namespace

// The span is created from views of the request's texts and tagged straight into its
// storage (span_creation.h, SpanTagWriter), as the server span is: the same span and
// tags, in the same order, as create_child() of a SpanConfig holding them made, without
// the config's strings, a tag list to copy into and an intern lookup per key.
HttpClientSpan::HttpClientSpan(Tracer& tracer, const Span& parent, const HttpClientRequest& request)
    : core_(tracer.core().get()), span_(create_client_span(tracer, *core_, parent, request)) {
  std::string_view url = request.url.substr(0, kUrlCap);
  const QueryObfuscator* obfuscator = nullptr;
  if (url_may_change(*core_, url, obfuscator)) {
    std::string& buffer = client_url_buffer();
    buffer.assign(url);
    obfuscator->obfuscate_url(buffer);
    url = buffer;
  }
  const std::string_view host = url_host(request.url);
  SpanTagWriter tags(span_);
  // The fixed keys as one run into the span's storage when they fit (see Meta::Appender),
  // else one by one, in the same order with the same result.
  const std::size_t text = sizeof "client" - 1 + request.component.size() + request.method.size() +
                           url.size() + host.size();
  if (Meta* meta = tags.meta_for_run(kClientHttpKeys, 5, text)) {
    Meta::Appender run(*meta);
    run.append<span_keys::kSpanKind>("client");
    run.append<span_keys::kComponent>(request.component);
    run.append<span_keys::kHttpMethod>(request.method);
    run.append<span_keys::kHttpUrl>(url);
    if (!host.empty()) run.append<span_keys::kOutHost>(host);
  } else {
    tags.set_known<span_keys::kSpanKind>("client");
    tags.set_known<span_keys::kComponent>(request.component);
    tags.set_known<span_keys::kHttpMethod>(request.method);
    tags.set_known<span_keys::kHttpUrl>(url);
    if (!host.empty()) tags.set_known<span_keys::kOutHost>(host);
  }
}

void HttpClientSpan::set_status(int status) {
  SpanTagWriter tags(span_);
  set_status_code_tag(tags, status);
  // An empty span_ (moved out through span()) takes no error, and may have been the
  // core's last keeper.
  if (!span_.empty() && core_->config.http_client_error_statuses.contains(status)) {
    span_.set_error(true);
  }
}

void HttpClientSpan::set_error(std::string_view type, std::string_view message) {
  span_.set_error_type(type);
  span_.set_error_message(message);
}

}  // namespace gatetrace
