// SpanLink and SpanLinks: a span's links to spans of other traces (e.g. a context
// extracted in a second propagation style that named a different trace), encoded as the
// payload's `span_links`. Few spans have any, so SpanLinks is one pointer until the
// first link, and otherwise reads like the std::vector it holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gatetrace/trace_id.h"

namespace gatetrace {

struct SpanLink {
  TraceId trace_id;
  std::uint64_t span_id = 0;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string tracestate;
  std::optional<std::uint32_t> flags;  // W3C trace flags, when known
};

class SpanLinks {
 public:
  SpanLinks() noexcept = default;
  SpanLinks(std::initializer_list<SpanLink> links) { assign(links.begin(), links.end()); }
  SpanLinks(const SpanLinks& other) { assign(other.begin(), other.end()); }
  SpanLinks(SpanLinks&& other) noexcept = default;
  SpanLinks& operator=(const SpanLinks& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  SpanLinks& operator=(SpanLinks&& other) noexcept = default;
  SpanLinks& operator=(std::initializer_list<SpanLink> links) {
    assign(links.begin(), links.end());
    return *this;
  }

  void push_back(const SpanLink& link) { links().push_back(link); }
  void push_back(SpanLink&& link) { links().push_back(std::move(link)); }
  template <typename... Args>
  SpanLink& emplace_back(Args&&... args) {
    return links().emplace_back(std::forward<Args>(args)...);
  }

  std::size_t size() const noexcept { return links_ ? links_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  void clear() noexcept { links_.reset(); }
  const SpanLink& operator[](std::size_t i) const { return (*links_)[i]; }
  SpanLink& operator[](std::size_t i) { return (*links_)[i]; }
  const SpanLink* begin() const noexcept { return links_ ? links_->data() : nullptr; }
  const SpanLink* end() const noexcept {
    return links_ ? links_->data() + links_->size() : nullptr;
  }
  SpanLink* begin() noexcept { return links_ ? links_->data() : nullptr; }
  SpanLink* end() noexcept { return links_ ? links_->data() + links_->size() : nullptr; }

 private:
  std::vector<SpanLink>& links() {
    if (!links_) links_ = std::make_unique<std::vector<SpanLink>>();
    return *links_;
  }
  template <typename It>
  void assign(It first, It last) {
    if (first == last) {
      links_.reset();
    } else {
      links_ = std::make_unique<std::vector<SpanLink>>(first, last);
    }
  }

  std::unique_ptr<std::vector<SpanLink>> links_;
};

}  // namespace gatetrace
