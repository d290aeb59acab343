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

namespace gatetrace {

class JoinedValue {
 public:
  JoinedValue(std::initializer_list<std::string_view> parts) {
    std::size_t size = 0;
    for (std::string_view part : parts) size += part.size();
    if (size > sizeof inline_) {
      view_ = join_oversized(parts);
      return;
    }
    char* out = inline_;
    for (std::string_view part : parts) {
      copy_piece(out, part.data(), part.size());
      out += part.size();
    }
    view_ = std::string_view(inline_, size);
  }
  JoinedValue(const JoinedValue&) = delete;
  JoinedValue& operator=(const JoinedValue&) = delete;

  std::string_view view() const { return view_; }

  // memcpy for the short pieces of a value, inline: a call to the library's memcpy for
  // each piece of "GET" + " " + "/users/{id}" costs more than the copies. Longer pieces
  // go to memcpy. The ranges must not overlap.
  static void copy_piece(char* to, const char* from, std::size_t n) {
    if (n > 32) {
      std::memcpy(to, from, n);
    } else if (n >= 16) {
      copy_fixed<16>(to, from);
      copy_fixed<16>(to + n - 16, from + n - 16);
    } else if (n >= 8) {
      copy_fixed<8>(to, from);
      copy_fixed<8>(to + n - 8, from + n - 8);
    } else if (n >= 4) {
      copy_fixed<4>(to, from);
      copy_fixed<4>(to + n - 4, from + n - 4);
    } else if (n > 0) {
      to[0] = from[0];
      to[n / 2] = from[n / 2];
      to[n - 1] = from[n - 1];
    }
  }

 private:
  // A copy of a size known at compile time, which the compiler turns into loads and
  // stores (the loads first, so the two halves of copy_piece may overlap each other).
  template <std::size_t kSize>
  static void copy_fixed(char* to, const char* from) {
    char bytes[kSize];
    std::memcpy(bytes, from, kSize);
    std::memcpy(to, bytes, kSize);
  }

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
