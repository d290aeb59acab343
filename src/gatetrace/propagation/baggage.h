// W3C baggage: `key=value` items, comma-separated, values percent-encoded, optional
// `;property` parts after a value (read past, not kept). Extraction keeps the first
// kBaggageMaxItems items within kBaggageMaxBytes of header and drops the rest; a
// malformed header is dropped whole, as Datadog's tracers do. Encoding percent-encodes
// whatever a header may not carry raw, so any stored value can be sent safely.
// Internal to the propagation module.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "propagation.h"

namespace gatetrace {
namespace propagation {

enum class BaggageDecodeResult { kOk, kTruncated, kMalformed };
// Appends the items to `items` (left as it was when the header is malformed).
BaggageDecodeResult decode_baggage(std::string_view header, TagList& items);

// Writes the encoded list; returns how many items did not fit the limits.
std::size_t encode_baggage(const TagList& items, std::string& out);

}  // namespace propagation
}  // namespace gatetrace
