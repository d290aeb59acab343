// Other vendors' W3C tracestate members, as extraction keeps them for re-injection
// (ExtractedContext::additional_w3c_tracestate) and as injection reads them
// (InjectionContext::additional_w3c_tracestate).
//
// W3cMembersText is an optional text that keeps the usual list (one or two members of a
// few dozen bytes, e.g. "congo=t61rcWkgMzE") in place: a std::optional<std::string>
// allocated and freed such a text on every extraction, since it is longer than
// std::string's inline 15 bytes. A longer list lives in a std::string. Moving it into a
// std::optional<std::string> (what TraceSegment keeps) gives that optional the same text,
// or nothing when there is none, so `segment_field = std::move(extracted.field)` means
// what it meant when the field was a std::optional<std::string>.
//
// W3cMembersRef is what an InjectionContext points at: either form of the text (or none),
// so that a std::string kept elsewhere and a W3cMembersText both inject.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace gatetrace {

class W3cMembersText {
 public:
  // Two usual members fit ("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7" is 39 bytes).
  static constexpr std::size_t kInlineCapacity = 48;

  W3cMembersText() {}  // NOLINT: the inline bytes stay unwritten until a text is kept
  W3cMembersText(const W3cMembersText& other) { copy_from(other); }
  W3cMembersText(W3cMembersText&& other) noexcept { move_from(other); }
  W3cMembersText& operator=(const W3cMembersText& other) {
    if (this != &other) copy_from(other);
    return *this;
  }
  W3cMembersText& operator=(W3cMembersText&& other) noexcept {
    if (this != &other) move_from(other);
    return *this;
  }
  ~W3cMembersText() = default;

  bool has_value() const { return engaged_; }
  explicit operator bool() const { return engaged_; }
  // The text; empty when there is none.
  std::string_view view() const {
    return size_ <= kInlineCapacity ? std::string_view(inline_, size_) : std::string_view(heap_);
  }
  // The value itself, as std::optional's operator* gives it: `&*field` is a pointer that
  // an InjectionContext takes.
  const W3cMembersText& operator*() const { return *this; }
  std::string value_or(std::string_view fallback) const {
    return std::string(engaged_ ? view() : fallback);
  }

  void reset() {
    engaged_ = false;
    size_ = 0;
  }
  void emplace(std::string_view text) {
    if (text.size() <= kInlineCapacity) {
      if (!text.empty()) std::memcpy(inline_, text.data(), text.size());
    } else {
      heap_.assign(text);
    }
    size_ = text.size();
    engaged_ = true;
  }
  // A longer text's storage is taken over rather than copied.
  void take(std::string&& text) {
    if (text.size() <= kInlineCapacity) {
      emplace(std::string_view(text));
      return;
    }
    heap_ = std::move(text);
    size_ = heap_.size();
    engaged_ = true;
  }

  // What TraceSegment keeps: the same text, or nothing.
  operator std::optional<std::string>() && {  // NOLINT: stands in for the optional it was
    if (!engaged_) return std::nullopt;
    if (size_ > kInlineCapacity) return std::optional<std::string>(std::move(heap_));
    return std::optional<std::string>(std::in_place, inline_, size_);
  }
  operator std::optional<std::string>() const& {  // NOLINT: as above, copied
    if (!engaged_) return std::nullopt;
    return std::optional<std::string>(std::in_place, view());
  }

  friend bool operator==(const W3cMembersText& text, std::string_view other) {
    return text.engaged_ && text.view() == other;
  }
  friend bool operator!=(const W3cMembersText& text, std::string_view other) {
    return !(text == other);
  }

 private:
  // An inline text is copied as the whole buffer: a constant-size copy is a few vector
  // moves, where one of the text's own size is a call (the bytes past the text are
  // copied unread).
  void copy_from(const W3cMembersText& other) {
    if (other.size_ <= kInlineCapacity) {
      std::memcpy(inline_, other.inline_, kInlineCapacity);
    } else {
      heap_ = other.heap_;
    }
    size_ = other.size_;
    engaged_ = other.engaged_;
  }
  void move_from(W3cMembersText& other) {
    if (other.size_ <= kInlineCapacity) {
      std::memcpy(inline_, other.inline_, kInlineCapacity);
    } else {
      heap_ = std::move(other.heap_);
    }
    size_ = other.size_;
    engaged_ = other.engaged_;
    other.reset();
  }

  std::uint32_t size_ = 0;  // up to kInlineCapacity: in inline_, else in heap_
  bool engaged_ = false;
  char inline_[kInlineCapacity];
  std::string heap_;
};

// Other vendors' members for injection, wherever they are kept: null, or a text.
class W3cMembersRef {
 public:
  W3cMembersRef() = default;
  W3cMembersRef(std::nullptr_t) {}        // NOLINT: as a null pointer converts
  W3cMembersRef(const std::string* text)  // NOLINT: as the pointer it replaced
      : text_(text != nullptr ? std::string_view(*text) : std::string_view()),
        present_(text != nullptr) {}
  W3cMembersRef(const W3cMembersText* text)  // NOLINT: as a pointer converts
      : text_(text != nullptr ? text->view() : std::string_view()),
        present_(text != nullptr && text->has_value()) {}

  bool present() const { return present_; }
  std::string_view operator*() const { return text_; }

  friend bool operator==(const W3cMembersRef& ref, std::nullptr_t) { return !ref.present_; }
  friend bool operator!=(const W3cMembersRef& ref, std::nullptr_t) { return ref.present_; }

 private:
  std::string_view text_;
  bool present_ = false;
};

}  // namespace gatetrace
