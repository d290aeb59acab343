// x-datadog-tags: the comma-separated `key=value` list that carries a trace's
// propagating tags (`_dd.p.*`) between Datadog tracers. Keys are printable ASCII
// without space, ',' or '='; values are printable ASCII without ','. The header is
// all-or-nothing: one malformed member discards it (a half-read decision-maker tag
// would be worse than none). Internal to the propagation module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "propagation.h"
#include "value_buffer.h"

namespace gatetrace {
namespace propagation {

inline constexpr std::string_view kTraceIdHighTag = "_dd.p.tid";
inline constexpr std::string_view kPropagatingTagPrefix = "_dd.p.";

bool is_valid_trace_tag_key(std::string_view key) noexcept;
bool is_valid_trace_tag_value(std::string_view value) noexcept;

// Every `key=value` of the header, in order. False (and `tags` unspecified) when any
// member is malformed. An empty header is valid and empty.
bool decode_trace_tags(std::string_view header, TagList& tags);

enum class EncodeTagsResult { kOk, kInvalidTag };
// Appends `_dd.p.tid=<high>` (when high != 0) and each `_dd.p.*` tag but `_dd.p.tid`.
// Other keys are skipped. Invalid characters make the whole header unencodable.
EncodeTagsResult encode_trace_tags(std::uint64_t trace_id_high, const TagList* tags,
                                   ValueBuffer& out);
EncodeTagsResult encode_trace_tags(std::uint64_t trace_id_high, const TagList* tags,
                                   std::string& out);

}  // namespace propagation
}  // namespace gatetrace
