// Helpers for the propagation tests: extracting from owned header lists, reading what
// an injection wrote, and checking diagnostics.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
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

// A flat header list that the header index can index, as the request helper's
// frameworks give one.
class IndexableHeaders final : public DictReader {
 public:
  explicit IndexableHeaders(std::vector<std::pair<std::string, std::string>> headers)
      : storage_(std::move(headers)) {
    for (const auto& [key, value] : storage_) views_.emplace_back(key, value);
  }
  std::optional<std::string_view> lookup(std::string_view key) const override {
    for (const auto& [name, value] : views_) {
      if (equals_ignore_case(name, key)) return value;
    }
    return std::nullopt;
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    for (const auto& [name, value] : views_) visitor(name, value);
  }
  bool visit_is_indexable() const override { return true; }
  Entries indexable_entries() const override { return Entries{views_.data(), views_.size()}; }

 private:
  std::vector<std::pair<std::string, std::string>> storage_;
  std::vector<std::pair<std::string_view, std::string_view>> views_;
};

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
