// Errors that a user can cause: a bad configuration value, a malformed header, an
// unusable agent URL. They are values, never exceptions: every fallible call in the
// public API returns `Expected<T>` (see expected.h) holding either a result or an
// `Error`. The code is stable across releases so that users can match on it; the
// message names the variable or header and the offending value.
#pragma once

#include "gatetrace/api.h"

#include <string>

namespace gatetrace {

struct GATETRACE_API Error {
  // Numbered so that log searches and user code can rely on them. Never renumber.
  enum Code : int {
    kOther = 1,
    kInvalidBoolean = 2,
    kInvalidInteger = 3,
    kInvalidDouble = 4,
    kOutOfRange = 5,
    kInvalidUrl = 6,
    kInvalidTags = 7,
    kInvalidSamplingRules = 8,
    kInvalidSpanSamplingRules = 9,
    kInvalidPropagationStyle = 10,
    kInvalidStatusCodes = 11,
    kInvalidRegex = 12,
    kFileUnreadable = 13,
    kNoSpanToExtract = 20,
    kMalformedTraceId = 21,
    kMalformedParentId = 22,
    kMalformedSamplingPriority = 23,
    kMalformedTraceparent = 24,
    kMalformedTracestate = 25,
    kMalformedTraceTags = 26,
    kMalformedB3 = 27,
    kMissingParentId = 28,
    kMalformedBaggage = 29,
    kAgentResponse = 40,
    kHttpTransport = 41,
  };

  Code code = kOther;
  std::string message;

  // "[gatetrace error 3] DD_TRACE_AGENT_PORT: 'abc' is not an integer"
  std::string to_string() const;
};

}  // namespace gatetrace
