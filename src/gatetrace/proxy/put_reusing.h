// put_reusing: sets one of a SpanConfig's optional strings over the text it already
// holds. The request helper creates its spans from per-thread SpanConfigs that are
// refilled for every request; written this way (detail::assign_reusing, inline) rather
// than with std::string's assignment (a library call), a field that is no longer than
// the previous request's costs a copy of its bytes; put_joined (join_into) does the same
// for a value made of a few pieces, put_method_and_route for a resource. Used by the inferred span
// (proxy) and the server span (http).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "gatetrace/span_data.h"

namespace gatetrace {

inline void put_reusing(std::optional<std::string>& field, std::string_view value) {
  if (!field) field.emplace();
  detail::assign_reusing(*field, value);
}

// `text` = the pieces joined ("GET" + " " + "/users/{id}"), written straight over the
// text it holds instead of being joined elsewhere and copied again. The string grows (a
// library call) only when the value is longer than what it holds. The pieces must not
// point into `text`.
inline void join_into(std::string& text, std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  if (size > text.size()) text.resize(size);
  char* out = text.data();
  for (std::string_view part : parts) {
    detail::move_chars(out, part.data(), part.size());
    out += part.size();
  }
  text.erase(size);
}

// put_reusing for a value joined from a few pieces (see join_into).
inline void put_joined(std::optional<std::string>& field,
                       std::initializer_list<std::string_view> parts) {
  if (!field) field.emplace();
  join_into(*field, parts);
}

// put_joined(field, {method, " ", slash ? "/" : "", route}): a resource such as
// "GET /users/{id}", with the space and the slash stored as single bytes rather than
// copied as pieces. `method` and `route` must not point into `field`.
inline void put_method_and_route(std::optional<std::string>& field, std::string_view method,
                                 bool slash, std::string_view route) {
  if (!field) field.emplace();
  std::string& text = *field;
  const std::size_t size = method.size() + 1 + (slash ? 1 : 0) + route.size();
  if (size > text.size()) text.resize(size);
  char* out = text.data();
  detail::move_chars(out, method.data(), method.size());
  out += method.size();
  *out++ = ' ';
  if (slash) *out++ = '/';
  detail::move_chars(out, route.data(), route.size());
  text.erase(size);
}

}  // namespace gatetrace
