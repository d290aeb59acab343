#include "gatetrace/http_server_span.h"

#include <fmt/format.h>

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <typeinfo>
#include <utility>

#include "gatetrace/http/client_ip.h"
#include "gatetrace/http/query_obfuscator.h"
#include "gatetrace/proxy/header_index.h"
#include "gatetrace/proxy/inferred_span.h"
#include "gatetrace/proxy/joined_value.h"
#include "gatetrace/proxy/proxy_headers.h"
#include "gatetrace/span_data.h"
#include "gatetrace/trace/span_creation.h"
#include "gatetrace/trace/span_tag_writer.h"
#include "gatetrace/trace/tracer_core.h"

namespace gatetrace {
namespace {

constexpr std::size_t kUrlCap = 2048;

// url = "http://" + host + target, written over the text it holds (the scheme as one
// constant copy).
void join_http_url(std::string& url, std::string_view host, std::string_view target) {
  constexpr std::size_t kScheme = sizeof "http://" - 1;
  const std::size_t size = kScheme + host.size() + target.size();
  if (size > url.size()) url.resize(size);
  char* out = url.data();
  std::memcpy(out, "http://", kScheme);
  detail::move_chars(out + kScheme, host.data(), host.size());
  detail::move_chars(out + kScheme + host.size(), target.data(), target.size());
  url.erase(size);
}

// The per-thread string server_url() joins in.
std::string& server_url_buffer() {
  thread_local std::string url;
  return url;
}

// http.url, as "http://" + host + rest when `with_host`, else as rest alone, so that the
// usual URL (a path under the Host header, with nothing to obfuscate) is written
// straight into the span's storage from its pieces.
struct ServerUrl {
  bool with_host = false;
  std::string_view host;
  std::string_view rest;

  static constexpr std::size_t kScheme = sizeof "http://" - 1;
  std::size_t size() const { return with_host ? kScheme + host.size() + rest.size() : rest.size(); }
  // Writes the size() bytes at `out`.
  void write(char* out) const {
    if (with_host) {
      std::memcpy(out, "http://", kScheme);
      out += kScheme;
      detail::move_chars(out, host.data(), host.size());
      out += host.size();
    }
    detail::move_chars(out, rest.data(), rest.size());
  }
  // The URL in one piece: `rest`, or joined in `buffer`.
  std::string_view joined(std::string& buffer) const {
    if (!with_host) return rest;
    join_http_url(buffer, host, rest);
    return buffer;
  }
};

// http.url: the target when it is an absolute URL, else "http://" + Host + target; the
// query string obfuscated. A URL to obfuscate, or that may need it, is joined in a
// per-thread string that keeps its capacity (and is what the obfuscator rewrites); the
// result points into the target, the Host header or that string.
ServerUrl server_url(const TracerCore& core, const HttpServerRequest& request,
                     const HeaderIndex& headers) {
  const QueryObfuscator* obfuscator = nullptr;
  const std::string_view target = request.target.substr(0, kUrlCap);
  ServerUrl result;
  if (!target.empty() && target.front() != '/') {
    result.rest = target;
    if (!url_may_change(core, target, obfuscator)) return result;
    std::string& url = server_url_buffer();
    url.assign(target);
  } else {
    const std::string_view host = headers.get(IndexedHeader::kHost).value_or("").substr(0, 255);
    // obfuscate_url looks from the first '?' (even one in the Host header) and changes
    // nothing without one (so the pieces suffice); nor, with the default pattern, in
    // most queries.
    if (!core.config.query_string_obfuscation_regex && host.find('?') == std::string_view::npos &&
        target.find('?') == std::string_view::npos) {
      result.with_host = true;
      result.host = host;
      result.rest = target;
      return result;
    }
    std::string& url = server_url_buffer();
    join_http_url(url, host, target);
    result.rest = url;
    if (!url_may_change(core, url, obfuscator)) return result;
  }
  std::string& url = server_url_buffer();
  obfuscator->obfuscate_url(url);
  result.rest = url;
  return result;
}

// Callers test for an empty DD_TRACE_HEADER_TAGS first (the usual case): a test, not a
// call.
void tag_request_headers(const FinalizedTracerConfig& config, const DictReader& headers,
                         Span& span) {
  for (const auto& [header, tag] : config.header_tags) {
    if (auto value = headers.lookup(header)) span.set_tag(tag, value->substr(0, 512));
  }
}

void log_proxy_problem(const TracerCore& core, const ProxyHeaderReading& result) {
  if (!core.config.debug || result.problem == ProxyHeaderProblem::kNone ||
      result.problem == ProxyHeaderProblem::kNoProxyHeader) {
    return;
  }
  const char* why = "";
  switch (result.problem) {
    case ProxyHeaderProblem::kUnknownKind:
      why = "unknown x-dd-proxy value";
      break;
    case ProxyHeaderProblem::kMissingTimestamp:
      why = "missing x-dd-proxy-request-time-ms";
      break;
    case ProxyHeaderProblem::kMalformedTimestamp:
      why = "malformed x-dd-proxy-request-time-ms";
      break;
    case ProxyHeaderProblem::kImplausibleTimestamp:
      why = "x-dd-proxy-request-time-ms before 2000 or over an hour old";
      break;
    case ProxyHeaderProblem::kDomainNotAllowed:
      why = "x-dd-proxy-domain-name not in GATETRACE_INFERRED_PROXY_ALLOWED_DOMAINS";
      break;
    default:
      break;
  }
  const bool voided = !result.valid;
  core.logger->log(
      LogLevel::kDebug,
      fmt::format("inferred proxy span: {} '{}'; {}", why, result.detail,
                  voided ? "no inferred span" : "using the time the headers were read"));
}

// "std::runtime_error" rather than the ABI's "St13runtime_error", as other tracers report.
std::string demangled_type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

// std::uncaught_exceptions(), which the helper reads as each request starts and ends,
// without its two calls into libstdc++ (its own, then __cxa_get_globals(), which finds
// the thread's exception state through __tls_get_addr): about 26 instructions, twice
// per request. That state's address is fixed for a thread's life, so it is asked once
// per thread; its layout is the Itanium C++ ABI's (section 2.5.3: the stack of caught
// exceptions, then the count of uncaught ones), which libstdc++ and libc++abi follow.
int uncaught_exceptions() noexcept {
  struct EhGlobals {
    void* caught_exceptions;
    unsigned int uncaught_exceptions;
  };
  thread_local const auto* const globals =
      reinterpret_cast<const EhGlobals*>(abi::__cxa_get_globals());
  return static_cast<int>(globals->uncaught_exceptions);
}

constexpr std::uint32_t kServerHttpKeys = SpanTagWriter::known_key_bits<
    span_keys::kSpanKind, span_keys::kComponent, span_keys::kHttpMethod, span_keys::kHttpUrl,
    span_keys::kHttpClientIp, span_keys::kHttpRoute, span_keys::kHttpUserAgent>();

}  // namespace

// What the constructor learns before it creates the spans: every header it, the proxy
// headers and the extraction read, from one pass over the framework's headers (when its
// reader allows it); the moment they were read; the proxy headers.
struct HttpServerSpan::Arrival {
  Arrival(const TracerCore& core, const HttpServerRequest& request);
  const HeaderIndex headers;
  const TimePoint now;
  const ProxyHeaderReading proxy;
};

namespace {

const DictReader& request_headers(const HttpServerRequest& request) {
  if (request.headers) return *request.headers;
  // Reached only without headers: a request that has them pays no guard checks.
  static const HeaderListReader::Headers kNoHeaders;
  static const HeaderListReader kEmptyReader(kNoHeaders);
  return kEmptyReader;
}

// Both returns are prvalues, constructed in place (a named result returned on one path
// only would be copied: about 200 bytes).
ProxyHeaderReading read_proxy(const TracerCore& core, const HeaderIndex& headers, TimePoint now) {
  if (!core.config.inferred_proxy_services_enabled) return ProxyHeaderReading();
  return read_proxy_header_fields(headers, now, core.allowed_proxy_domains);
}

// Both spans are created from views of the request's texts (span_creation.h): the
// tracer writes them over the text of the recycled span it picks (usually the same field
// of the previous request's same span), with no SpanConfig strings filled in between.
// Tags are then written straight into the spans' recycled storage.
Span create_inferred_span(Tracer& tracer, const HeaderIndex& headers,
                          const ProxyHeaderFields& fields, TimePoint now) {
  const FinalizedTracerConfig& config = tracer.core()->config;
  JoinedValue resource;
  Span inferred = extract_or_create_span_from_texts(
      tracer, headers, describe_inferred_span(fields, config, now, resource));
  set_inferred_span_tags(inferred, fields);
  SpanTagWriter(inferred).set_known_metric<span_keys::kInferredSpan>(1);
  if (!config.header_tags.empty()) tag_request_headers(config, headers, inferred);
  return inferred;
}

// The server span: the inferred span's child when there is one, else the trace's root.
// Its service is the tracer's (a child would otherwise inherit the gateway's).
Span create_server_span(Tracer& tracer, const HttpServerRequest& request,
                        const HeaderIndex& headers, TimePoint now, const Span* inferred) {
  JoinedValue joined;
  const std::string_view resource =
      request.route.empty() ? request.method : joined.join({request.method, " ", request.route});
  const SpanCreationTexts texts{request.span_name, tracer.core()->config.service, resource, "web",
                                now};
  return inferred ? create_child_from_texts(*inferred, texts)
                  : extract_or_create_span_from_texts(tracer, headers, texts);
}

}  // namespace

HttpServerSpan::Arrival::Arrival(const TracerCore& core, const HttpServerRequest& request)
    : headers(request_headers(request)),
      now(core.clock->now()),
      proxy(read_proxy(core, headers, now)) {
  log_proxy_problem(core, proxy);
}

// The spans are created straight into the members (no Span moved in and destroyed).
// Inline into the public constructor, its only caller (one call and its register saves
// less per request).
[[gnu::always_inline]] inline HttpServerSpan::HttpServerSpan(Tracer& tracer,
                                                             const HttpServerRequest& request,
                                                             const Arrival& arrival)
    : core_(tracer.core().get()),
      inferred_(arrival.proxy.valid ? create_inferred_span(tracer, arrival.headers,
                                                           arrival.proxy.fields, arrival.now)
                                    : Span()),
      server_(create_server_span(tracer, request, arrival.headers, arrival.now,
                                 arrival.proxy.valid ? &inferred_ : nullptr)),
      uncaught_at_start_(uncaught_exceptions()) {
  if (request.method.size() <= kShortMethod) {
    detail::move_chars(method_short_, request.method.data(), request.method.size());
    method_size_ = static_cast<std::uint8_t>(request.method.size());
  } else {
    method_long_.assign(request.method);
    method_size_ = kShortMethod + 1;
  }
  const TracerCore& core = *core_;
  const FinalizedTracerConfig& config = core.config;
  const HeaderIndex& headers = arrival.headers;
  const ServerUrl url = server_url(core, request, headers);
  std::optional<std::string> client_ip;
  if (config.client_ip_enabled) client_ip = resolve_client_ip(headers, request.peer_address);
  std::string_view agent;
  const auto agent_header = headers.get(IndexedHeader::kUserAgent);
  if (agent_header) agent = agent_header->substr(0, 512);
  // The helper's keys by id, into the span's storage found once: usually as one run
  // (see Meta::Appender), else one by one, in the same order with the same result.
  SpanTagWriter tags(server_);
  const std::size_t text = 6 + request.component.size() + request.method.size() + url.size() +
                           (client_ip ? client_ip->size() : 0) + request.route.size() +
                           agent.size();
  if (Meta* meta = tags.meta_for_run(kServerHttpKeys, 7, text)) {
    Meta::Appender run(*meta);
    run.append<span_keys::kSpanKind>("server");
    run.append<span_keys::kComponent>(request.component);
    run.append<span_keys::kHttpMethod>(request.method);
    url.write(run.place<span_keys::kHttpUrl>(url.size()));
    if (client_ip) run.append<span_keys::kHttpClientIp>(*client_ip);
    if (!request.route.empty()) run.append<span_keys::kHttpRoute>(request.route);
    if (agent_header) run.append<span_keys::kHttpUserAgent>(agent);
  } else {
    tags.set_known<span_keys::kSpanKind>("server");
    tags.set_known<span_keys::kComponent>(request.component);
    tags.set_known<span_keys::kHttpMethod>(request.method);
    tags.set_known<span_keys::kHttpUrl>(url.joined(server_url_buffer()));
    if (client_ip) tags.set_known<span_keys::kHttpClientIp>(*client_ip);
    if (!request.route.empty()) tags.set_known<span_keys::kHttpRoute>(request.route);
    if (agent_header) tags.set_known<span_keys::kHttpUserAgent>(agent);
  }
  if (!config.header_tags.empty()) tag_request_headers(config, headers, server_);
}

HttpServerSpan::HttpServerSpan(Tracer& tracer, const HttpServerRequest& request)
    : HttpServerSpan(tracer, request, Arrival(*tracer.core(), request)) {}

HttpServerSpan::HttpServerSpan(HttpServerSpan&& other) noexcept
    : core_(std::exchange(other.core_, nullptr)),
      inferred_(std::move(other.inferred_)),
      server_(std::move(other.server_)),
      method_size_(other.method_size_),
      method_long_(std::move(other.method_long_)),
      status_(other.status_),
      uncaught_at_start_(other.uncaught_at_start_),
      finished_(other.finished_),
      span_shared_(other.span_shared_),
      error_tagged_(other.error_tagged_) {
  std::memcpy(method_short_, other.method_short_, sizeof method_short_);
  other.finished_ = true;
}

void HttpServerSpan::set_route(std::string_view route) {
  SpanTagWriter(server_).set_known<span_keys::kHttpRoute>(route);
  server_.set_resource(JoinedValue({method(), " ", route}).view());
}

void HttpServerSpan::set_status(int status) {
  status_ = status;
  SpanTagWriter tags(server_);
  set_status_code_tag(tags, status);
  const TracerCore* core = live_core();
  if (core && core->config.http_server_error_statuses.contains(status)) server_.set_error(true);
}

void HttpServerSpan::set_exception(const std::exception& exception) {
  set_error(demangled_type_name(typeid(exception)), exception.what());
}

void HttpServerSpan::set_error(std::string_view type, std::string_view message) {
  error_tagged_ = true;
  server_.set_error_type(type);
  server_.set_error_message(message);
}

void HttpServerSpan::tag_response_headers(const DictReader& response_headers) {
  const TracerCore* core = live_core();
  if (!core) return;
  for (const auto& [header, tag] : core->config.header_tags) {
    if (auto value = response_headers.lookup(header)) {
      const std::string response_tag =
          tag.rfind("http.request.headers.", 0) == 0
              ? "http.response.headers." + tag.substr(sizeof("http.request.headers.") - 1)
              : tag;
      server_.set_tag(response_tag, value->substr(0, 512));
      if (!inferred_.empty()) inferred_.set_tag(response_tag, value->substr(0, 512));
    }
  }
}

// From the destructor, the spans are left to the members' destructors, which run next
// (server_ first: it is declared after inferred_) and end them at the end time set
// here: Span's destructor finishes a span and gives up its handle in one trip through
// the trace segment's lock, where Span::finish() and then the destructor take two.
// (Only on the usual path, where the inferred span takes the server span's outcome
// from its tags while it is open; the other path finishes the server span first.)
// Inline (only this file calls it): in the destructor, which ends nearly every request,
// the call and the `by_destructor` tests go away.
[[gnu::always_inline]] inline void HttpServerSpan::end_spans(bool by_destructor) {
  const TracerCore* core = live_core();
  if (finished_ || !core) return;
  finished_ = true;
  const FinalizedTracerConfig& config = core->config;
  const TimePoint end = core->clock->now();
  // Tags that only the tracer's defaults, the header tags, the application (through
  // span()) or set_error() can have put there.
  const bool may_have_error_tags =
      span_shared_ || error_tagged_ || !config.tags.empty() || !config.header_tags.empty();
  if (!inferred_.empty() && !config.partial_flush_enabled) {
    // The inferred span takes status and error state while the server span is still
    // open, straight from its tags. Nothing can see the inferred span in between: the
    // trace is delivered once both are finished (the inferred span is its root), and
    // only a partial flush would deliver, and decide sampling, at the server span's end.
    copy_server_outcome(inferred_, server_, status_, config, may_have_error_tags);
    server_.set_end_time(end);
    inferred_.set_end_time(end);
    if (!by_destructor) {
      server_.finish();
      inferred_.finish();
    }
    return;
  }
  if (inferred_.empty()) {
    server_.set_end_time(end);
    if (!by_destructor) server_.finish();
    return;
  }
  ServerOutcome outcome;
  outcome.status = status_;
  outcome.error = server_.error();
  // Copied before the server span finishes (its tags then belong to the exporter).
  if (may_have_error_tags) {
    using namespace std::string_view_literals;
    for (auto [key, out] : {std::pair{"error.message"sv, &outcome.error_message},
                            std::pair{"error.type"sv, &outcome.error_type},
                            std::pair{"error.stack"sv, &outcome.error_stack}}) {
      if (auto value = server_.lookup_tag(key)) *out = std::string(*value);
    }
  }
  outcome.end = end;
  server_.set_end_time(outcome.end);
  server_.finish();
  finish_inferred_span(inferred_, outcome, config);
}

HttpServerSpan::~HttpServerSpan() {
  if (!finished_ && uncaught_exceptions() > uncaught_at_start_ && !server_.error()) {
    set_error("exception", "the request handler exited with an exception");
  }
  end_spans(/*by_destructor=*/true);
}

void HttpServerSpan::finish() { end_spans(/*by_destructor=*/false); }

}  // namespace gatetrace
