#include "gatetrace/log_correlation.h"

namespace gatetrace {

std::string log_trace_id(const TraceId& trace_id) {
  if (trace_id.high == 0) return std::to_string(trace_id.low);
  return trace_id.hex_padded();
}

}  // namespace gatetrace
