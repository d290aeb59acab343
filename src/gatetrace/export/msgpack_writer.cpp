#include "gatetrace/export/msgpack_writer.h"

#include <algorithm>

namespace gatetrace {

void MsgpackWriter::grow(std::size_t bytes) {
  // Double what this writer has produced (at least 256 bytes) rather than jumping to
  // the string's capacity: a reused buffer may have a large capacity, and resizing
  // zero-fills everything it adds.
  const std::size_t used = static_cast<std::size_t>(cur_ - base_);
  const std::size_t step = std::max<std::size_t>({bytes, written(), 256});
  out_.resize(used + step);
  base_ = out_.data();
  cur_ = base_ + used;
  end_ = base_ + out_.size();
}

void MsgpackWriter::write_uint_slow(std::uint64_t value) {
  if (value <= 0xff) {
    char* p = cursor(2);
    p[0] = static_cast<char>(0xcc);
    p[1] = static_cast<char>(value);
    cur_ = p + 2;
  } else if (value <= 0xffff) {
    char* p = cursor(3);
    p[0] = static_cast<char>(0xcd);
    store_be16(p + 1, static_cast<std::uint16_t>(value));
    cur_ = p + 3;
  } else if (value <= 0xffffffffu) {
    char* p = cursor(5);
    p[0] = static_cast<char>(0xce);
    store_be32(p + 1, static_cast<std::uint32_t>(value));
    cur_ = p + 5;
  } else {
    char* p = cursor(9);
    p[0] = static_cast<char>(0xcf);
    store_be64(p + 1, value);
    cur_ = p + 9;
  }
}

void MsgpackWriter::write_int_slow(std::int64_t value) {
  // Only negative values below -32 arrive here.
  if (value >= -128) {
    char* p = cursor(2);
    p[0] = static_cast<char>(0xd0);
    p[1] = static_cast<char>(static_cast<std::int8_t>(value));
    cur_ = p + 2;
  } else if (value >= -32768) {
    char* p = cursor(3);
    p[0] = static_cast<char>(0xd1);
    store_be16(p + 1, static_cast<std::uint16_t>(static_cast<std::int16_t>(value)));
    cur_ = p + 3;
  } else if (value >= INT32_MIN) {
    char* p = cursor(5);
    p[0] = static_cast<char>(0xd2);
    store_be32(p + 1, static_cast<std::uint32_t>(static_cast<std::int32_t>(value)));
    cur_ = p + 5;
  } else {
    char* p = cursor(9);
    p[0] = static_cast<char>(0xd3);
    store_be64(p + 1, static_cast<std::uint64_t>(value));
    cur_ = p + 9;
  }
}

void MsgpackWriter::write_str_slow(std::string_view value) {
  const std::size_t n = value.size();
  char* p;
  if (n <= 0xff) {
    p = cursor(2 + n);
    p[0] = static_cast<char>(0xd9);
    p[1] = static_cast<char>(n);
    p += 2;
  } else if (n <= 0xffff) {
    p = cursor(3 + n);
    p[0] = static_cast<char>(0xda);
    store_be16(p + 1, static_cast<std::uint16_t>(n));
    p += 3;
  } else {
    // Strings over 4 GiB cannot be represented; callers never produce them (the
    // exporter's buffer is far smaller), so the length is truncated to 32 bits.
    p = cursor(5 + n);
    p[0] = static_cast<char>(0xdb);
    store_be32(p + 1, static_cast<std::uint32_t>(n));
    p += 5;
  }
  std::memcpy(p, value.data(), n);
  cur_ = p + n;
}

void MsgpackWriter::write_container_header_slow(std::uint32_t count, std::uint8_t marker16) {
  // array16/map16 are followed by array32/map32 (0xdc/0xdd, 0xde/0xdf).
  if (count <= 0xffff) {
    char* p = cursor(3);
    p[0] = static_cast<char>(marker16);
    store_be16(p + 1, static_cast<std::uint16_t>(count));
    cur_ = p + 3;
  } else {
    char* p = cursor(5);
    p[0] = static_cast<char>(marker16 + 1);
    store_be32(p + 1, count);
    cur_ = p + 5;
  }
}

}  // namespace gatetrace
