// Trace ids are 128 bits. Datadog's wire format carries the low 64 bits in the span's
// `trace_id` field and the high 64 bits as the trace tag `_dd.p.tid` (16 lowercase hex
// digits); W3C `traceparent` carries all 32 hex digits.
#pragma once

#include "gatetrace/api.h"

#include <cstdint>
#include <string>

namespace gatetrace {

struct GATETRACE_API TraceId {
  std::uint64_t low = 0;
  std::uint64_t high = 0;

  // 32 lowercase hex digits when the high half is set, otherwise 16.
  std::string hex() const;
  // Always 32 lowercase hex digits (W3C form).
  std::string hex_padded() const;

  friend bool operator==(const TraceId& a, const TraceId& b) {
    return a.low == b.low && a.high == b.high;
  }
  friend bool operator!=(const TraceId& a, const TraceId& b) { return !(a == b); }
};

}  // namespace gatetrace
