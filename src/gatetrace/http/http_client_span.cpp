#include "gatetrace/http_client_span.h"

#include <string>

#include "gatetrace/http/query_obfuscator.h"
#include "gatetrace/trace/tracer_core.h"

namespace gatetrace {
namespace {

constexpr std::size_t kUrlCap = 2048;

}  // namespace

std::string_view url_host(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    return authority.substr(1, authority.find(']') - 1);
  }
  return authority.substr(0, authority.find(':'));
}

HttpClientSpan::HttpClientSpan(Tracer& tracer, const Span& parent, const HttpClientRequest& request)
    : core_(tracer.core()) {
  std::string url(request.url.substr(0, kUrlCap));
  query_obfuscator(*core_).obfuscate_url(url);
  SpanConfig config;
  config.name = std::string(request.span_name);
  config.resource = std::string(request.method);
  config.type = "http";
  config.tags.reserve(6);
  config.tags.emplace_back("span.kind", "client");
  config.tags.emplace_back("component", std::string(request.component));
  config.tags.emplace_back("http.method", std::string(request.method));
  config.tags.emplace_back("http.url", std::move(url));
  const std::string_view host = url_host(request.url);
  if (!host.empty()) config.tags.emplace_back("out.host", std::string(host));
  if (parent.empty()) {
    span_ = tracer.create_span(config);
  } else {
    span_ = parent.create_child(config);
  }
}

void HttpClientSpan::set_status(int status) {
  span_.set_tag("http.status_code", std::to_string(status));
  if (core_->config.http_client_error_statuses.contains(status)) span_.set_error(true);
}

void HttpClientSpan::set_error(std::string_view type, std::string_view message) {
  span_.set_error_type(type);
  span_.set_error_message(message);
}

}  // namespace gatetrace
