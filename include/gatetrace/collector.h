// Collector: where a finished trace segment goes. The production collector encodes it
// to msgpack on the finishing thread and queues the bytes for the flush thread (see
// the `export` module); tests install a collector that keeps the spans in memory.
//
// `send` is called on whichever thread finished the segment's last span, concurrently
// from many threads, and must not block on the network.
#pragma once

#include "gatetrace/api.h"

#include <chrono>
#include <memory>
#include <vector>

#include "gatetrace/span_data.h"

namespace gatetrace {

// A finished segment of one trace. `spans[0]` is the local root (the span without a
// local parent); the tracer has already applied the sampling decision and trace tags
// to it.
struct TraceChunk {
  std::vector<SpanData*> spans;
  int sampling_priority = 1;
};

class GATETRACE_API Collector {
 public:
  virtual ~Collector() = default;
  virtual void send(const TraceChunk& chunk) = 0;
  // Deliver what is pending, waiting at most `timeout`. True when nothing is left.
  virtual bool flush(std::chrono::milliseconds timeout) = 0;
};

}  // namespace gatetrace
