// JoinedValue: a span value built from a few pieces (a resource "GET /users/{id}", a
// URL, an ARN) for a span setter that copies it. The pieces are joined in a buffer on
// the stack when they fit, else in a per-thread string that keeps its capacity, so that
// building the value never allocates once warm and usually touches no thread-local.
// The view is valid until the JoinedValue is destroyed or the same thread builds
// another oversized one. Used by the inferred span (proxy) and the server span (http).
#pragma once

#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

#include "gatetrace/span_data.h"

namespace gatetrace {

class JoinedValue {
 public:
  // Empty until join() (its buffer left uninitialized: nothing is written twice).
  JoinedValue() {}
  JoinedValue(std::initializer_list<std::string_view> parts) { join(parts); }
  JoinedValue(const JoinedValue&) = delete;
  JoinedValue& operator=(const JoinedValue&) = delete;

  // Replaces the value by the pieces joined; returns view(). The pieces must not point
  // into this value.
  std::string_view join(std::initializer_list<std::string_view> parts) {
    std::size_t size = 0;
    for (std::string_view part : parts) size += part.size();
    if (size > sizeof inline_) {
      view_ = join_oversized(parts);
      return view_;
    }
    char* out = inline_;
    for (std::string_view part : parts) {
      detail::move_chars(out, part.data(), part.size());  // inline for short pieces
      out += part.size();
    }
    view_ = std::string_view(inline_, size);
    return view_;
  }

  std::string_view view() const { return view_; }

 private:
  static std::string_view join_oversized(std::initializer_list<std::string_view> parts) {
    thread_local std::string buffer;
    buffer.clear();
    for (std::string_view part : parts) buffer.append(part);
    return buffer;
  }

  char inline_[256];
  std::string_view view_;
};

}  // namespace gatetrace
