// W3C tracestate: the vendor list that rides along traceparent, and Datadog's `dd=`
// member in it (`s:` sampling priority, `o:` origin, `p:` last Datadog parent id,
// `t.*` propagating tags). Parsing is strict where the W3C spec is (key and value
// grammar, at most 32 members, no duplicate keys): a tracestate that breaks it is
// discarded whole, as the spec asks, while the traceparent still counts. Encoding
// keeps within the limits: the dd member at most 256 characters, 32 members in all.
// Internal to the propagation module.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "propagation.h"

namespace gatetrace {
namespace propagation {

inline constexpr std::size_t kTracestateMaxMembers = 32;
inline constexpr std::size_t kTracestateMaxValueLength = 256;
inline constexpr std::size_t kDatadogMemberMaxLength = 256;

bool is_valid_tracestate_key(std::string_view key) noexcept;
bool is_valid_tracestate_value(std::string_view value) noexcept;

struct ParsedTracestate {
  // The dd member's fields, when it has them.
  std::optional<int> sampling_priority;
  std::optional<std::string> origin;
  std::optional<std::string> last_parent_id;
  TagList trace_tags;              // `t.x:v` as `_dd.p.x` = v, `~` decoded to `=`
  std::string additional_datadog;  // unknown dd subkeys, ';'-joined
  std::string additional_w3c;      // other vendors' members, ','-joined, in order
};

// False, with `why` set, when the header is not a valid tracestate.
bool parse_tracestate(std::string_view header, ParsedTracestate& out, std::string& why);

// Writes the whole tracestate value for an outgoing request: our dd member first, then
// the valid members of `additional_w3c_tracestate` (no other `dd`), 32 members at most.
void encode_tracestate(const InjectionContext& context, std::string& out);

}  // namespace propagation
}  // namespace gatetrace
