#include "gatetrace/export/byte_buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace gatetrace {

ByteBuffer::~ByteBuffer() { std::free(data_); }

ByteBuffer::ByteBuffer(ByteBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

ByteBuffer& ByteBuffer::operator=(ByteBuffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void ByteBuffer::release() {
  std::free(data_);
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

void ByteBuffer::reallocate(std::size_t bytes) {
  // At least double, so that appending byte by byte stays amortized O(1).
  std::size_t capacity = capacity_ * 2;
  if (capacity < bytes) capacity = bytes;
  // realloc copies the whole old block; only [0, size_) matters, so copy that alone.
  char* data = static_cast<char*>(std::malloc(capacity));
  if (data == nullptr) throw std::bad_alloc();
  if (size_ != 0) std::memcpy(data, data_, size_);
  std::free(data_);
  data_ = data;
  capacity_ = capacity;
}

}  // namespace gatetrace
