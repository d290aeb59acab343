// Fuzzes the W3C tracestate parser and Datadog's `dd=` member in it. A tracestate that
// parses must hold only valid members, and re-encoding what was read (as the tracer does
// when it propagates the context further) must give a tracestate that parses again with
// the same priority, the same other vendors' members and the same propagating tags.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/propagation/trace_tags.h"
#include "gatetrace/propagation/tracestate.h"

namespace {

namespace propagation = gatetrace::propagation;

// Counts the non-empty members of a comma-separated list.
std::size_t member_count(std::string_view list) {
  std::size_t count = 0;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    std::size_t end = list.find(',', begin);
    if (end == std::string_view::npos) end = list.size();
    std::string_view member = list.substr(begin, end - begin);
    while (!member.empty() && (member.front() == ' ' || member.front() == '\t')) {
      member.remove_prefix(1);
    }
    if (!member.empty()) ++count;
    begin = end + 1;
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header = gatetrace::fuzz::as_text(data, size);
  propagation::ParsedTracestate parsed;
  std::string why;
  if (!propagation::parse_tracestate(header, parsed, why)) {
    GATETRACE_FUZZ_CHECK(!why.empty());
    GATETRACE_FUZZ_CHECK(parsed.additional_w3c.empty() && parsed.trace_tags.empty());
    return 0;
  }
  GATETRACE_FUZZ_CHECK(member_count(header) <= propagation::kTracestateMaxMembers);
  GATETRACE_FUZZ_CHECK(member_count(parsed.additional_w3c) <= propagation::kTracestateMaxMembers);
  for (const auto& [key, value] : parsed.trace_tags) {
    GATETRACE_FUZZ_CHECK(propagation::is_valid_trace_tag_key(key));
    GATETRACE_FUZZ_CHECK(propagation::is_valid_trace_tag_value(value));
    GATETRACE_FUZZ_CHECK(key.rfind(propagation::kPropagatingTagPrefix, 0) == 0);
    GATETRACE_FUZZ_CHECK(key != propagation::kTraceIdHighTag);
  }
  if (parsed.last_parent_id) {
    GATETRACE_FUZZ_CHECK(parsed.last_parent_id->size() == 16);
  }

  // Propagate what was read, as the tracer would for a child span.
  gatetrace::InjectionContext context;
  context.trace_id = gatetrace::TraceId{1, 0};
  context.span_id = 0x1234;
  context.sampling_priority = parsed.sampling_priority.value_or(1);
  context.origin = parsed.origin ? &*parsed.origin : nullptr;
  context.trace_tags = &parsed.trace_tags;
  context.additional_w3c_tracestate = &parsed.additional_w3c;
  context.additional_datadog_w3c_tracestate = &parsed.additional_datadog;
  std::string encoded;
  propagation::encode_tracestate(context, encoded);
  GATETRACE_FUZZ_CHECK(gatetrace::fuzz::printable_ascii(encoded));
  GATETRACE_FUZZ_CHECK(member_count(encoded) <= propagation::kTracestateMaxMembers);
  // The dd member comes first and keeps within its limit ("dd=" plus the value).
  GATETRACE_FUZZ_CHECK(encoded.rfind("dd=", 0) == 0);
  const std::size_t dd_end = std::min(encoded.find(','), encoded.size());
  GATETRACE_FUZZ_CHECK(dd_end <= 3 + propagation::kDatadogMemberMaxLength);

  propagation::ParsedTracestate again;
  GATETRACE_FUZZ_CHECK(propagation::parse_tracestate(encoded, again, why));
  GATETRACE_FUZZ_CHECK(again.sampling_priority == context.sampling_priority);
  GATETRACE_FUZZ_CHECK(again.last_parent_id == std::string("0000000000001234"));
  // Other vendors' members survive in order, unless the 32-member limit cut them.
  if (member_count(parsed.additional_w3c) < propagation::kTracestateMaxMembers) {
    GATETRACE_FUZZ_CHECK(again.additional_w3c == parsed.additional_w3c);
  }
  return 0;
}
