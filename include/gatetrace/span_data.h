// SpanData: the plain record of one span, as the tracer keeps it and the encoder writes
// it. Users normally touch spans through `Span`; a `Collector` (see collector.h)
// receives finished SpanData.
//
// The layout keeps a span small (about 300 bytes with a handful of short tags, in one
// allocation) and cheap to fill:
// - service, name, resource and type are SpanStrings (span_string.h): 8-byte handles
//   to texts interned once per process, since they repeat across spans;
// - `meta` (span_meta.h) keeps its entries and text in one flat area, inline for a few
//   short tags, with tag keys interned too;
// - `metrics` and `links` are one pointer each until used.
//
// Reading is as easy as with strings and maps: `std::string_view name = span.name;`,
// `span.name == "web.request"`, `span.resource.size()`,
// `for (const auto& [key, value] : span.meta)` (string_views),
// `if (auto value = span.meta.find("http.url")) use(*value);` (an optional
// string_view), `if (const double* v = span.metrics.find("_sampling_priority_v1"))`.
// Writing: assign text to the string fields (`span.resource = "GET /";`) and use
// `meta.set(key, value)` / `metrics.set(key, value)`. (Before this layout the fields
// were std::string and the maps held std::string entries: code that wrote into them
// directly, e.g. `span.name.append(...)` or `*meta.find(k) = v`, must use these.)
#pragma once

#include <cstdint>

#include "gatetrace/clock.h"
#include "gatetrace/span_links.h"
#include "gatetrace/span_meta.h"
#include "gatetrace/span_metrics.h"
#include "gatetrace/span_string.h"
#include "gatetrace/text_copy.h"
#include "gatetrace/trace_id.h"

namespace gatetrace {

struct SpanData {
  TraceId trace_id;
  std::uint64_t span_id = 0;
  std::uint64_t parent_id = 0;  // 0 for a root
  SpanString service;
  SpanString name;
  SpanString resource;
  SpanString type;
  TimePoint start;
  std::int64_t duration_ns = 0;
  bool error = false;
  Meta meta;
  Metrics metrics;
  SpanLinks links;
};

}  // namespace gatetrace
