#include "gatetrace/http_client_span.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "gatetrace/http/query_obfuscator.h"
#include "gatetrace/trace/tracer_core.h"

namespace gatetrace {
namespace {

constexpr std::size_t kUrlCap = 2048;

// Writes `value` into `text` unless it already holds it: a reused config mostly holds
// this call's texts already (the tag names, the span's name and type, usually the method
// and the host), and comparing costs a fraction of an assign (a call into libstdc++).
void assign_if_changed(std::string& text, std::string_view value) {
  if (text.size() == value.size() &&
      std::char_traits<char>::compare(text.data(), value.data(), value.size()) == 0) {
    return;
  }
  text.assign(value.data(), value.size());
}

// Writes `value` into `slot`, reusing the string the slot already holds.
void assign_reusing(std::optional<std::string>& slot, std::string_view value) {
  if (slot) {
    assign_if_changed(*slot, value);
  } else {
    slot.emplace(value);
  }
}

void put_tag(std::pair<std::string, std::string>& tag, std::string_view key,
             std::string_view value) {
  assign_if_changed(tag.first, key);
  assign_if_changed(tag.second, value);
}

// The SpanConfig a client span is created with, per thread, so that its strings keep
// their capacity from call to call (a fresh one allocated the URL and the tag names
// each time). Service and start are never set: the span inherits its parent's service
// and starts now. The tracer reads it only while creating the span and calls no user
// code meanwhile, so a nested use cannot happen.
SpanConfig& reused_client_span_config() {
  thread_local SpanConfig config;
  return config;
}

}  // namespace

std::string_view url_host(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view authority = url.substr(scheme + 3);
  // The authority ends at the path, the query or the fragment.
  std::size_t end = 0;
  while (end < authority.size() && authority[end] != '/' && authority[end] != '?' &&
         authority[end] != '#') {
    ++end;
  }
  authority = authority.substr(0, end);
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    return authority.substr(1, authority.find(']') - 1);
  }
  return authority.substr(0, authority.find(':'));
}

HttpClientSpan::HttpClientSpan(Tracer& tracer, const Span& parent, const HttpClientRequest& request)
    : core_(tracer.core()) {
  SpanConfig& config = reused_client_span_config();
  assign_reusing(config.name, request.span_name);
  assign_reusing(config.resource, request.method);
  assign_reusing(config.type, "http");
  const std::string_view host = url_host(request.url);
  config.tags.resize(host.empty() ? 4 : 5);
  put_tag(config.tags[0], "span.kind", "client");
  put_tag(config.tags[1], "component", request.component);
  put_tag(config.tags[2], "http.method", request.method);
  put_tag(config.tags[3], "http.url", request.url.substr(0, kUrlCap));
  query_obfuscator(*core_).obfuscate_url(config.tags[3].second);
  if (!host.empty()) put_tag(config.tags[4], "out.host", host);
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
