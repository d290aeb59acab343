// Counting a trace payload without decoding it: the stand-in's --discard mode (load
// tests) only reports how many traces and spans it received, and decoding every
// payload into JSON cost it about a sixth of a core at 8,000 traced requests per
// second, on the cores the measured service shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gatetrace::standin {

struct PayloadCount {
  bool valid = false;        // the whole body is one msgpack array, as the decoder accepts
  std::uint64_t traces = 0;  // elements of the top-level array (chunks)
  std::uint64_t spans = 0;   // elements of the chunks that are arrays
};

// Walks `body` as msgpack and counts what nlohmann's decoder would find: valid only if
// the body is exactly one value, an array, whose maps have string keys throughout.
PayloadCount count_payload(std::string_view body);

// The most bytes an array's header takes (array 32: type byte and a 4-byte count).
constexpr std::size_t kMaxArrayHeaderBytes = 5;

// Counts the traces of a payload of `body_size` bytes from its first bytes alone (`head`:
// the first min(body_size, kMaxArrayHeaderBytes) of them), for the cheapest --discard
// mode, which never receives the rest into memory. msgpack gives no container's size in
// bytes, so the spans (inside each trace) cannot be reached without walking every value
// before them: `spans` stays 0. Valid when the body starts with an array's header and is
// long enough to hold that many elements (a byte each at least); the rest is not checked.
PayloadCount count_traces_from_header(std::string_view head, std::uint64_t body_size);

}  // namespace gatetrace::standin
