// Parsers for the text forms of configuration values (booleans, integers, tag lists,
// status ranges, URLs, rule JSON). Each takes the variable's name only to put it in
// the error message, so that a user reads e.g.
//   "DD_TRACE_AGENT_PORT: 'abc' is not an integer".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gatetrace/expected.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

std::string_view trim(std::string_view text);

// true/false/1/0/yes/no in any case.
Expected<bool> parse_bool(std::string_view variable, std::string_view text);
Expected<std::uint64_t> parse_uint(std::string_view variable, std::string_view text);
Expected<double> parse_double(std::string_view variable, std::string_view text);
// A rate in [0, 1].
Expected<double> parse_rate(std::string_view variable, std::string_view text);

// DD_TAGS: `key:value` separated by commas or (when there is no comma) spaces. The value
// may contain ':'; a key alone has an empty value.
Expected<StringPairs> parse_tags(std::string_view variable, std::string_view text);

// Comma-separated, trimmed, empty items skipped.
std::vector<std::string> parse_list(std::string_view text);

// "500-599,429": single codes and inclusive ranges between 100 and 599.
Expected<HttpStatusSet> parse_status_set(std::string_view variable, std::string_view text);

// http://host[:port][/], https is refused (the agent speaks plain HTTP), unix:///path.
Expected<AgentUrl> parse_agent_url(std::string_view variable, std::string_view text);

// DD_TRACE_HEADER_TAGS: `header:tag` pairs, comma-separated; a header without a tag
// gets `http.request.headers.<header>`. Header names are lowercased.
Expected<StringPairs> parse_header_tags(std::string_view variable, std::string_view text);

// DD_TRACE_SAMPLING_RULES / DD_SPAN_SAMPLING_RULES JSON.
Expected<std::vector<TraceSamplingRule>> parse_trace_sampling_rules(std::string_view variable,
                                                                    std::string_view json);
Expected<std::vector<SpanSamplingRule>> parse_span_sampling_rules(std::string_view variable,
                                                                  std::string_view json);

}  // namespace gatetrace
