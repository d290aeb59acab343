// Helpers for the propagation tests: extracting from owned header lists, reading what
// an injection wrote, and checking diagnostics.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/dict_writer.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/propagation/tracestate.h"

namespace gatetrace {
namespace testing {

using OwnedHeaders = std::vector<std::pair<std::string, std::string>>;

// What propagation::parse_tracestate says of one header value.
struct TracestateParse {
  bool valid;
  std::string why;
  propagation::ParsedTracestate parsed;
};

inline TracestateParse parse_tracestate_text(std::string_view header) {
  TracestateParse result;
  result.valid = propagation::parse_tracestate(header, result.parsed, result.why);
  return result;
}

// A decimal id read digit by digit, overflow-checked: what the word-wise parses
// (parse_decimal_u64 and the proxy's 13-digit time) must agree with.
inline std::optional<std::uint64_t> reference_decimal(const std::string& text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_add_overflow(value, static_cast<unsigned>(c - '0'), &value)) {
      return std::nullopt;
    }
  }
  return value;
}

inline ExtractedContext extract_from(const OwnedHeaders& headers,
                                     const PropagationSettings& settings,
                                     std::vector<Error>* diagnostics = nullptr) {
  HeaderListReader::Headers views;
  for (const auto& [name, value] : headers) views.emplace_back(name, value);
  HeaderListReader reader(views);
  return extract_context(reader, settings, diagnostics);
}

inline PropagationSettings styles(std::vector<PropagationStyle> list) {
  PropagationSettings settings;
  settings.extract = list;
  settings.inject = std::move(list);
  return settings;
}

inline std::optional<std::string> find_header(const OwnedHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (equals_ignore_case(key, name)) return value;
  }
  return std::nullopt;
}

inline bool has_code(const std::vector<Error>& diagnostics, Error::Code code) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [code](const Error& error) { return error.code == code; });
}

inline const std::string* find_tag(const TagList& tags, std::string_view key) {
  for (const auto& [k, v] : tags) {
    if (k == key) return &v;
  }
  return nullptr;
}

// Every byte a header value may carry: printable ASCII, no control characters.
inline bool is_clean_header_value(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace testing
}  // namespace gatetrace
