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
#include "value_buffer.h"

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
  TagList trace_tags;               // `t.x:v` as `_dd.p.x` = v, `~` decoded to `=`
  std::string additional_datadog;   // unknown dd subkeys, ';'-joined
  std::string additional_w3c;       // other vendors' members, ','-joined, in order
  std::string_view datadog_member;  // the dd member's value: a view into the header
};

// Which of the dd member's fields a parse decodes. A context that is merged into
// another one (or linked) only lends its unknown subkeys; decoding the rest would
// allocate for nothing. The last parent id is then read on demand (last_parent_id_of).
enum class DatadogFields { kAll, kUnknownOnly };

// False, with `why` set, when the header is not a valid tracestate. Validation does
// not depend on `fields`.
bool parse_tracestate(std::string_view header, ParsedTracestate& out, std::string& why,
                      DatadogFields fields = DatadogFields::kAll);

// What a kUnknownOnly parse keeps of the usual tracestate, without copying: true when
// `header` is a list whose members parse_tracestate's one-pass path takes, the other
// vendors' members stand next to each other in it (joined by single commas, as
// additional_w3c joins them), and the dd member has no unknown subkeys. Then
// `datadog_member` and `others` are what parse_tracestate would give as datadog_member
// and additional_w3c (views into `header`), and additional_datadog would be empty.
// False for any other list, valid or not: parse_tracestate then decides.
bool scan_tidy_tracestate(std::string_view header, std::string_view& datadog_member,
                          std::string_view& others);

// The `p:` that a kAll parse of this dd member value keeps as last_parent_id (the last
// valid one), or empty.
std::string_view last_parent_id_of(std::string_view datadog_member);

// Writes the whole tracestate value for an outgoing request: our dd member first, then
// the valid members of `additional_w3c_tracestate` (no other `dd`), 32 members at most.
void encode_tracestate(const InjectionContext& context, ValueBuffer& out);
// The same, with the span id's 16 lowercase hex digits formatted already (traceparent
// holds them), so that they are not formatted twice.
void encode_tracestate(const InjectionContext& context, const char* span_hex, ValueBuffer& out);
// The same, appended to `out`.
void encode_tracestate(const InjectionContext& context, std::string& out);

}  // namespace propagation
}  // namespace gatetrace
