// Building the inferred span of an API gateway from validated `ProxyHeaderFields`,
// and completing it from the server span's outcome, field by field as
// shared/spec/inferred-proxy-spans.md lays down. The `http` module's request helper is
// the only caller: it creates the inferred span first (the trace's local root, child of
// any extracted context), the server span under it, and finishes both in order.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gatetrace/proxy/joined_value.h"
#include "gatetrace/proxy/proxy_headers.h"
#include "gatetrace/span.h"
#include "gatetrace/span_keys.h"
#include "gatetrace/trace/span_creation.h"
#include "gatetrace/trace/span_tag_writer.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

// The inferred span's start: the moment the gateway received the request. `now` is the
// moment the headers were read; its steady reading is shifted back by the wall-clock
// distance, so that the duration (steady) and the start (wall) agree.
inline TimePoint inferred_span_start(const ProxyHeaderFields& request, TimePoint now) {
  return TimePoint{request.start_wall_ns, now.steady_ns - (now.wall_ns - request.start_wall_ns)};
}

// What creates the inferred span: its name, service, resource, type ("web") and start
// (the gateway's time, see inferred_span_start), as views into `request`, `config`
// and `resource`, which holds the resource when it is joined from pieces: all three
// must outlive the use of the answer. Inline: the request helper calls it on every
// request through a gateway (a call and its register saves cost more than its choices).
inline SpanCreationTexts describe_inferred_span(const ProxyHeaderFields& request,
                                                const FinalizedTracerConfig& config, TimePoint now,
                                                JoinedValue& resource) {
  const ProxyKind& kind = *request.kind;
  // The route is the resource path, else the path (with the '/' it may lack).
  const bool by_resource_path = !request.resource_path.empty();
  const std::string_view route = by_resource_path ? request.resource_path : request.path;
  const bool slash = !by_resource_path && request.path_slash;
  std::string_view resource_text;
  if (!request.method.empty() && !route.empty()) {
    // The '/' joined with the separator, as a piece of constant size (copied inline,
    // without testing its size).
    resource_text = slash ? resource.join({request.method, " /", route})
                          : resource.join({request.method, " ", route});
  } else if (!request.method.empty()) {
    resource_text = request.method;
  } else if (!route.empty()) {
    resource_text = slash ? resource.join({"/", route}) : route;
  } else {
    resource_text = kind.span_name;
  }
  return {kind.span_name,
          request.domain.empty() ? std::string_view(config.service) : request.domain, resource_text,
          "web", inferred_span_start(request, now)};
}

// Sets the tags known when the request arrives on the freshly created inferred span
// (after the tracer's own default tags, which these override). They are written
// straight into the span's storage, which is recycled, so that a steady stream of
// requests does not allocate here.
void set_inferred_span_tags(Span& span, const ProxyHeaderFields& request);

// The text of an HTTP status code, as std::to_string writes it (three digits written
// directly for 100-999, std::to_chars for anything else).
class StatusText {
 public:
  // Every real status: three digits.
  static bool has_three_digits(int status) { return status >= 100 && status <= 999; }
  // Writes the three digits of a status that has_three_digits().
  static void put_three_digits(int status, char* out) {
    const int hundreds = status / 100;
    const char* pair = kDigitPairs + 2 * (status - hundreds * 100);
    out[0] = static_cast<char>('0' + hundreds);
    out[1] = pair[0];
    out[2] = pair[1];
  }

  explicit StatusText(int status) {
    if (has_three_digits(status)) {
      put_three_digits(status, digits_);
      size_ = 3;
    } else {
      size_ = static_cast<std::size_t>(
          std::to_chars(digits_, digits_ + sizeof digits_, status).ptr - digits_);
    }
  }
  std::string_view view() const {
    // An int has at most 11 characters. Said to the compiler, so that an inline copy of
    // the view (Meta::set_known's) drops its branches for longer texts, whose reads
    // GCC's -Warray-bounds would find outside this object.
    if (size_ > kMaxSize) __builtin_unreachable();
    return std::string_view(digits_, size_);
  }

 private:
  // "00" to "99": the last two digits with one division.
  static constexpr char kDigitPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  static constexpr std::size_t kMaxSize = 11;  // "-2147483648"
  char digits_[16];
  std::size_t size_;
};

// Sets http.status_code to the text of `status` (StatusText's). A real status is
// written as a value of constant size: as a run of one new tag (Meta::Appender) when the
// span has no status yet, else by Meta::set_known, which copies it without looking at
// its length.
[[gnu::always_inline]] inline void set_status_code_tag(SpanTagWriter& tags, int status) {
  if (StatusText::has_three_digits(status)) {
    // Usually the span's first status: its digits go straight into the span's storage.
    constexpr std::uint32_t kKeyBit = SpanTagWriter::known_key_bits<span_keys::kHttpStatusCode>();
    if (Meta* meta = tags.meta_for_run(kKeyBit, 1, 3)) {
      Meta::Appender run(*meta);
      StatusText::put_three_digits(status, run.place<span_keys::kHttpStatusCode>(3));
      return;
    }
    char digits[3];
    StatusText::put_three_digits(status, digits);
    tags.set_known<span_keys::kHttpStatusCode>(std::string_view(digits, sizeof digits));
  } else {
    tags.set_known<span_keys::kHttpStatusCode>(StatusText(status).view());
  }
}

// http.status_code of `status` on the inferred span, and the error flag for a status
// DD_TRACE_HTTP_SERVER_ERROR_STATUSES names; nothing without a status.
inline void copy_status_to_inferred(Span& inferred, std::optional<int> status,
                                    const FinalizedTracerConfig& config) {
  if (!status) return;
  SpanTagWriter tags(inferred);
  set_status_code_tag(tags, *status);
  if (config.http_server_error_statuses.contains(*status)) inferred.set_error(true);
}

// Copies status and error state from the server span, while it is still open, to the
// inferred span: http.status_code, error (a server-error status or the server span's
// error flag), then error.message, error.type and error.stack when the server span has
// them (the application may have set them itself), in the order finish_inferred_span
// writes them. The values are read as views and written at once: no copies. The caller
// then finishes the server span and the inferred span (at the same end).
// `read_error_tags`: false when the caller knows the server span holds none of the three
// (nothing but the caller has tagged it), which skips looking them up. They are looked
// up by id: each one's filter bit usually says at once that it is absent. Inline: the
// request helper calls it on every request.
inline void copy_server_outcome(Span& inferred, Span& server, std::optional<int> status,
                                const FinalizedTracerConfig& config, bool read_error_tags = true) {
  copy_status_to_inferred(inferred, status, config);
  if (server.error()) inferred.set_error(true);
  if (!read_error_tags) return;
  const Meta* tags = SpanTagWriter(server).tags();
  if (tags == nullptr) return;
  if (auto message = tags->find_known(span_keys::kErrorMessage)) {
    inferred.set_error_message(*message);
  }
  if (auto type = tags->find_known(span_keys::kErrorType)) inferred.set_error_type(*type);
  if (auto stack = tags->find_known(span_keys::kErrorStack)) inferred.set_error_stack(*stack);
}

// What the server span ended with.
struct ServerOutcome {
  std::optional<int> status;
  bool error = false;
  std::optional<std::string> error_message;
  std::optional<std::string> error_type;
  std::optional<std::string> error_stack;
  TimePoint end;  // the server span's end
};

// Copies status and error state, then finishes the inferred span at the server span's
// end, so it never ends before the server span. For a server span that has already
// finished (its tags then belong to the exporter), hence the copies in ServerOutcome.
void finish_inferred_span(Span& inferred, const ServerOutcome& outcome,
                          const FinalizedTracerConfig& config);

}  // namespace gatetrace
