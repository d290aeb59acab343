// Span: a move-only handle to one span. Destroying it finishes the span (RAII), so a
// span is finished on every path out of a scope, including exceptions.
//
//   gatetrace::Span root = tracer.create_span({.name = "job"});  // C++20 syntax shown
//   {
//     gatetrace::Span child = root.create_child();
//     child.set_tag("db.system", "postgresql");
//   }  // child finished here
//
// Thread-safety: one `Span` is used by one thread at a time. Spans of the same trace may
// be created and finished on different threads concurrently: their trace segment has
// its own small lock, and no lock is shared between traces.
//
// A moved-from Span is empty: every setter is a no-op and getters return defaults.
#pragma once

#include "gatetrace/api.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "gatetrace/clock.h"
#include "gatetrace/dict_writer.h"
#include "gatetrace/span_config.h"
#include "gatetrace/trace_id.h"

namespace gatetrace {

struct SpanData;
struct SpanCreationTexts;
class DictReader;
class Tracer;
class TraceSegment;
class TracerCore;
struct ExtractedContext;

class GATETRACE_API Span {
 public:
  Span() = default;  // empty
  Span(Span&& other) noexcept;
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span();

  // True for a default-constructed or moved-from Span.
  bool empty() const noexcept { return segment_ == nullptr; }

  Span create_child(const SpanConfig& config = {}) const;

  std::uint64_t id() const;
  TraceId trace_id() const;
  std::uint64_t parent_id() const;  // 0 for a root
  std::string_view service() const;
  std::string_view name() const;
  std::string_view resource() const;
  TimePoint start_time() const;
  bool error() const;

  void set_service(std::string_view service);
  void set_name(std::string_view name);
  void set_resource(std::string_view resource);
  void set_type(std::string_view type);

  // Tags (the payload's `meta`). `manual.keep` / `manual.drop` set the trace's
  // sampling decision, as in Datadog's other tracers.
  void set_tag(std::string_view key, std::string_view value);
  void remove_tag(std::string_view key);
  std::optional<std::string_view> lookup_tag(std::string_view key) const;
  void set_metric(std::string_view key, double value);
  void remove_metric(std::string_view key);
  std::optional<double> lookup_metric(std::string_view key) const;

  void set_error(bool error);
  // Each of these also sets error = 1.
  void set_error_message(std::string_view message);
  void set_error_type(std::string_view type);
  void set_error_stack(std::string_view stack);

  // Manual sampling for the whole trace: priority 2 (keep) or -1 (drop), mechanism 4.
  void keep_trace();
  void drop_trace();

  // Fix the end instead of "when finished"; `finish` then uses it. Inline: the request
  // helper sets it on two spans per request, and the call cost more than the store.
  void set_end_time(TimePoint end) { end_time_ = end; }
  // Finish now (or at the end time set). Later calls do nothing; so does the destructor.
  // After finishing, ids and start time stay readable; the span's other data belongs to
  // the exporter, so setters do nothing and getters return defaults.
  void finish();
  bool finished() const;

  // Write the trace context into an outgoing request's headers, in the configured
  // styles. Makes the trace's sampling decision first if none exists yet.
  void inject(DictWriter& writer) const;

  // Baggage items of the trace (W3C `baggage`): read, set, and injected onward.
  std::optional<std::string> baggage(std::string_view key) const;
  void set_baggage(std::string_view key, std::string_view value);

 private:
  friend class Tracer;
  friend Span make_root_span(const std::shared_ptr<TracerCore>&, const SpanConfig&,
                             struct ExtractedContext*);
  friend class TraceSegment;
  // The library's span creation from string_views (src/gatetrace/trace/span_creation.h).
  friend Span extract_or_create_span_from_texts(Tracer&, const DictReader&,
                                                const SpanCreationTexts&);
  friend Span create_child_from_texts(const Span&, const SpanCreationTexts&);
  // The library's own tag writes (src/gatetrace/trace/span_tag_writer.h), not API.
  friend class SpanTagWriter;
  // Takes the handle that `segment->add_span(data)` counted. Inline (defined in
  // src/gatetrace/trace/span_creation.h, which the span creators include): a call per
  // span cost more than its few stores.
  inline Span(SpanData* data, TraceSegment* segment);
  // Finishes the span if it is not yet, and gives up the handle (the segment is freed
  // with its last handle).
  void release() noexcept;

  // What stays readable after the span is finished (its data then belongs to the
  // collector).
  struct Identity {
    std::uint64_t span_id = 0;
    std::uint64_t parent_id = 0;
    TraceId trace_id;
    TimePoint start;
  };

  SpanData* data_ = nullptr;  // null once finished, and in an empty Span
  // One counted handle on the segment (TraceSegment counts its handles under its own
  // lock, in the same critical sections that add and finish spans: no atomic reference
  // count per Span). Null in an empty Span.
  TraceSegment* segment_ = nullptr;
  std::optional<TimePoint> end_time_;
  Identity identity_;
};

}  // namespace gatetrace
