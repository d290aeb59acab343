#include "gatetrace/export/msgpack_writer.h"

#include <algorithm>

namespace gatetrace {

void MsgpackWriter::finish() {
  const std::size_t used = static_cast<std::size_t>(cur_ - base_);
  if (buffer_ != nullptr) {
    // The scratch space is the buffer's capacity: nothing to trim.
    buffer_->set_size(used);
    return;
  }
  string_->resize(used);
  base_ = string_->data();
  cur_ = base_ + used;
  end_ = cur_;
}

void MsgpackWriter::grow(std::size_t bytes) {
  // Double what this writer has produced (at least 256 bytes) rather than jumping to
  // the output's capacity: a reused string may have a large capacity, and resizing
  // zero-fills everything it adds.
  const std::size_t used = static_cast<std::size_t>(cur_ - base_);
  const std::size_t step = std::max<std::size_t>({bytes, written(), 256});
  if (buffer_ != nullptr) {
    buffer_->set_size(used);  // what the reallocation keeps
    buffer_->reserve(used + step);
    base_ = buffer_->data();
    end_ = base_ + buffer_->capacity();
  } else {
    string_->resize(used + step);
    base_ = string_->data();
    end_ = base_ + string_->size();
  }
  cur_ = base_ + used;
}

char* MsgpackWriter::put_negative_int(char* p, std::int64_t value) {
  // Only values below -32 arrive here.
  if (value >= -128) {
    p[0] = static_cast<char>(0xd0);
    p[1] = static_cast<char>(static_cast<std::int8_t>(value));
    return p + 2;
  }
  if (value >= -32768) {
    p[0] = static_cast<char>(0xd1);
    store_be16(p + 1, static_cast<std::uint16_t>(static_cast<std::int16_t>(value)));
    return p + 3;
  }
  if (value >= INT32_MIN) {
    p[0] = static_cast<char>(0xd2);
    store_be32(p + 1, static_cast<std::uint32_t>(static_cast<std::int32_t>(value)));
    return p + 5;
  }
  p[0] = static_cast<char>(0xd3);
  store_be64(p + 1, static_cast<std::uint64_t>(value));
  return p + 9;
}

char* MsgpackWriter::put_long_str(char* p, std::string_view value) {
  // Only strings of 32 bytes or more arrive here.
  const std::size_t n = value.size();
  if (n <= 0xff) {
    p[0] = static_cast<char>(0xd9);
    p[1] = static_cast<char>(n);
    p += 2;
  } else if (n <= 0xffff) {
    p[0] = static_cast<char>(0xda);
    store_be16(p + 1, static_cast<std::uint16_t>(n));
    p += 3;
  } else {
    // Strings over 4 GiB cannot be represented; callers never produce them (the
    // exporter's buffer is far smaller), so the length is truncated to 32 bits.
    p[0] = static_cast<char>(0xdb);
    store_be32(p + 1, static_cast<std::uint32_t>(n));
    p += 5;
  }
  std::memcpy(p, value.data(), n);
  return p + n;
}

char* MsgpackWriter::put_container_header(char* p, std::uint32_t count, std::uint8_t marker16) {
  // array16/map16 are followed by array32/map32 (0xdc/0xdd, 0xde/0xdf).
  if (count <= 0xffff) {
    p[0] = static_cast<char>(marker16);
    store_be16(p + 1, static_cast<std::uint16_t>(count));
    return p + 3;
  }
  p[0] = static_cast<char>(marker16 + 1);
  store_be32(p + 1, count);
  return p + 5;
}

}  // namespace gatetrace
