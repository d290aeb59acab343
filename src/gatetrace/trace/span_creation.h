// Span creation from string_views, for the library's own span creators (the request
// helper's inferred and server spans). Tracer::extract_or_create_span() and
// Span::create_child() take a SpanConfig, whose std::optional<std::string> fields a
// caller that already holds its texts as string_views must first copy into; these
// entry points take the views and create the same span as a SpanConfig holding the same
// texts would (tags: `env` and DD_TAGS only). Not API: users keep SpanConfig.
#pragma once

#include <optional>
#include <string_view>

#include "gatetrace/clock.h"
#include "gatetrace/dict_reader.h"
#include "gatetrace/span.h"
#include "gatetrace/span_data.h"

namespace gatetrace {

class Tracer;

// What a SpanConfig with name, service, resource and type all set (and no tags) says,
// as views. Unlike SpanConfig, nothing is inherited: every text is used as given (an
// empty view is an empty text). The views need to live only during the call.
struct SpanCreationTexts {
  std::string_view name;
  std::string_view service;
  std::string_view resource;
  std::string_view type;
  std::optional<TimePoint> start;  // unset: now
};

// Tracer::extract_or_create_span(headers, config) for a config holding `texts`.
Span extract_or_create_span_from_texts(Tracer& tracer, const DictReader& headers,
                                       const SpanCreationTexts& texts);

// parent.create_child(config) for a config holding `texts`. An empty Span when `parent`
// is empty, as create_child() gives.
Span create_child_from_texts(const Span& parent, const SpanCreationTexts& texts);

// Span's constructor from a new span and its counted handle (see span.h), here so that
// every span creator inlines it.
inline Span::Span(SpanData* data, TraceSegment* segment)
    : data_(data),
      segment_(segment),
      identity_{data->span_id, data->parent_id, data->trace_id, data->start} {}

}  // namespace gatetrace
