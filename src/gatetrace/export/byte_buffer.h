// ByteBuffer: a growable byte array whose growth leaves the new bytes uninitialized.
// std::string can only grow by writing every new byte (resize zero-fills), which made
// the encoder and the payload builder spend as long clearing memory as encoding into
// it; the exporter's per-thread encoding buffer is a ByteBuffer instead, reused from
// one trace to the next so that a steady state never allocates.
#pragma once

#include <cstddef>
#include <string_view>

namespace gatetrace {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ~ByteBuffer();
  ByteBuffer(ByteBuffer&& other) noexcept;
  ByteBuffer& operator=(ByteBuffer&& other) noexcept;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  char* data() { return data_; }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_, size_}; }

  void clear() { size_ = 0; }
  // Capacity for at least `bytes` in all; keeps the content, new bytes are uninitialized.
  void reserve(std::size_t bytes) {
    if (bytes > capacity_) reallocate(bytes);
  }
  // Sets the size to `bytes` <= capacity(): the caller wrote [size(), bytes) itself.
  void set_size(std::size_t bytes) { size_ = bytes; }
  // Gives the memory back (capacity 0).
  void release();

 private:
  void reallocate(std::size_t bytes);

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace gatetrace
