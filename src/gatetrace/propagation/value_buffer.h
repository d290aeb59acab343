// ValueBuffer: where an injector assembles a header value before handing it to
// DictWriter::set in one piece. The usual value (a tracestate or x-datadog-tags of a
// few dozen bytes) fits the inline storage on the stack, so injecting allocates
// nothing; a longer one moves to the heap and carries on. Internal to the
// propagation module.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace gatetrace {
namespace propagation {

class ValueBuffer {
 public:
  // Room for Datadog's whole dd= tracestate member (256) and a few vendors besides.
  static constexpr std::size_t kInlineCapacity = 384;

  ValueBuffer() = default;
  // `data_` may point into the object itself.
  ValueBuffer(const ValueBuffer&) = delete;
  ValueBuffer& operator=(const ValueBuffer&) = delete;

  void append(std::string_view text) {
    if (text.size() > capacity_ - size_) grow(text.size());
    if (!text.empty()) std::memcpy(data_ + size_, text.data(), text.size());
    size_ += text.size();
  }
  void push_back(char c) {
    if (size_ == capacity_) grow(1);
    data_[size_++] = c;
  }
  // Room for `count` more bytes, written by the caller through end() and commit().
  char* reserve_more(std::size_t count) {
    if (count > capacity_ - size_) grow(count);
    return data_ + size_;
  }
  void commit(std::size_t count) { size_ += count; }
  // Only shrinks: takes back what was appended since size() was `size`.
  void truncate(std::size_t size) {
    if (size < size_) size_ = size;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return std::string_view(data_, size_); }

 private:
  void grow(std::size_t more) {
    std::size_t capacity = capacity_ * 2;
    if (capacity < size_ + more) capacity = size_ + more;
    std::string bigger(capacity, '\0');
    std::memcpy(&bigger[0], data_, size_);
    heap_.swap(bigger);
    data_ = &heap_[0];
    capacity_ = capacity;
  }

  char inline_[kInlineCapacity];
  std::string heap_;
  char* data_ = inline_;
  std::size_t size_ = 0;
  std::size_t capacity_ = kInlineCapacity;
};

}  // namespace propagation
}  // namespace gatetrace
