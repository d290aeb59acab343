// Where span and trace ids come from. The production generator is a per-thread
// xoshiro-style PRNG seeded from the OS: no lock, no syscall per id, and re-seeded in a
// child process after fork() so parent and child never produce the same ids. Tests
// inject a generator that returns predictable ids.
#pragma once

#include "gatetrace/api.h"

#include <cstdint>
#include <memory>

#include "gatetrace/trace_id.h"

namespace gatetrace {

class GATETRACE_API IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A non-zero random 64-bit span id.
  virtual std::uint64_t span_id() = 0;
  // A new trace id. With `use_128_bit`, the high half is the start's Unix seconds in its
  // top 32 bits and zeros below, as Datadog's tracers do.
  virtual TraceId trace_id(std::int64_t start_wall_ns, bool use_128_bit) = 0;
};

GATETRACE_API std::shared_ptr<IdGenerator> default_id_generator();

}  // namespace gatetrace
