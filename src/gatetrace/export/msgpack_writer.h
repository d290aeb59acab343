// MsgpackWriter: the msgpack encoder behind the agent payload. It appends to a
// std::string or a ByteBuffer and always picks the most compact form (positive fixint,
// fixstr, fixmap, ...), which the agent accepts and which keeps payloads small.
// Encoding runs on the request thread that finishes a trace, so the common cases are
// inline and write through a raw cursor into space reserved in the output.
//
//   std::string out;
//   {
//     MsgpackWriter writer(out);
//     writer.write_map_header(1);
//     writer.write_literal("answer");
//     writer.write_uint(42);
//   }  // the destructor (or finish()) trims `out` to what was written
//
// A caller that knows an upper bound of what it is about to write (the span encoder)
// checks for room once, with raw(max_bytes), writes with the static put_* encoders,
// each of which returns the new end, and hands the end back with commit().
//
// While a writer is alive, `out` may hold scratch bytes past the written data; do not
// read or modify `out` until finish() or the destructor. A ByteBuffer output grows
// without initializing the new bytes; a std::string output zero-fills them (which is
// why the exporter encodes into a ByteBuffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "gatetrace/export/byte_buffer.h"
#include "gatetrace/text_copy.h"

namespace gatetrace {

class MsgpackWriter {
 public:
  explicit MsgpackWriter(std::string& out) : string_(&out), start_(out.size()) {
    base_ = out.data();
    cur_ = base_ + out.size();
    end_ = cur_;
  }
  explicit MsgpackWriter(ByteBuffer& out) : buffer_(&out), start_(out.size()) {
    base_ = out.data();
    cur_ = base_ + out.size();
    end_ = base_ + out.capacity();
  }
  ~MsgpackWriter() { finish(); }
  MsgpackWriter(const MsgpackWriter&) = delete;
  MsgpackWriter& operator=(const MsgpackWriter&) = delete;

  // Sets the output's size to the bytes written. Idempotent; writing may continue.
  void finish();

  // Bytes written by this writer so far.
  std::size_t written() const { return static_cast<std::size_t>(cur_ - base_) - start_; }

  // Makes room for at least `bytes` more bytes at once, so that a caller who can
  // estimate its output avoids repeated growth.
  void reserve(std::size_t bytes) {
    if (static_cast<std::size_t>(end_ - cur_) < bytes) grow(bytes);
  }

  // Room for `max_bytes` at the cursor, which is returned; write there with put_* and
  // then commit() the end (at most `max_bytes` further).
  char* raw(std::size_t max_bytes) { return cursor(max_bytes); }
  void commit(char* end) { cur_ = end; }

  void write_nil() { put_byte(0xc0); }
  void write_bool(bool value) { put_byte(value ? 0xc3 : 0xc2); }
  void write_uint(std::uint64_t value) { cur_ = put_uint(cursor(kMaxUint), value); }
  void write_int(std::int64_t value) { cur_ = put_int(cursor(kMaxInt), value); }
  void write_float64(double value) { cur_ = put_float64(cursor(kFloat64), value); }
  void write_str(std::string_view value) {
    cur_ = put_str(cursor(kMaxStrHeader + value.size()), value);
  }
  // A string literal shorter than 32 bytes (map keys): size known at compile time.
  template <std::size_t N>
  void write_literal(const char (&value)[N]) {
    cur_ = put_literal(cursor(N), value);
  }
  void write_array_header(std::uint32_t count) {
    cur_ = put_array_header(cursor(kMaxContainerHeader), count);
  }
  void write_map_header(std::uint32_t count) {
    cur_ = put_map_header(cursor(kMaxContainerHeader), count);
  }
  // Bytes that are already msgpack (e.g. encoded chunks concatenated into a payload).
  void write_raw(std::string_view bytes) {
    if (bytes.empty()) return;
    char* p = cursor(bytes.size());
    std::memcpy(p, bytes.data(), bytes.size());
    cur_ = p + bytes.size();
  }

  // The largest size of each form, for callers of raw().
  static constexpr std::size_t kMaxUint = 9;
  static constexpr std::size_t kMaxInt = 9;
  static constexpr std::size_t kFloat64 = 9;
  static constexpr std::size_t kMaxStrHeader = 5;  // plus the string's bytes
  static constexpr std::size_t kMaxContainerHeader = 5;

  // The raw encoders: each writes one value at `p`, which has room for the form's
  // largest size, and returns the end of what it wrote.
  static char* put_uint(char* p, std::uint64_t value) {
    if (value < 0x80) {
      *p = static_cast<char>(value);
      return p + 1;
    }
    if (value > 0xffffffffu) {
      // Span and trace ids and timestamps: almost always this form.
      p[0] = static_cast<char>(0xcf);
      store_be64(p + 1, value);
      return p + 9;
    }
    if (value <= 0xff) {
      p[0] = static_cast<char>(0xcc);
      p[1] = static_cast<char>(value);
      return p + 2;
    }
    if (value <= 0xffff) {
      p[0] = static_cast<char>(0xcd);
      store_be16(p + 1, static_cast<std::uint16_t>(value));
      return p + 3;
    }
    p[0] = static_cast<char>(0xce);
    store_be32(p + 1, static_cast<std::uint32_t>(value));
    return p + 5;
  }

  // Non-negative values take the unsigned forms (as msgpack recommends).
  static char* put_int(char* p, std::int64_t value) {
    if (value >= 0) return put_uint(p, static_cast<std::uint64_t>(value));
    if (value >= -32) {
      *p = static_cast<char>(static_cast<std::uint8_t>(value));  // negative fixint
      return p + 1;
    }
    return put_negative_int(p, value);
  }

  static char* put_float64(char* p, double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    p[0] = static_cast<char>(0xcb);
    store_be64(p + 1, bits);
    return p + 9;
  }

  static char* put_str(char* p, std::string_view value) {
    const std::size_t n = value.size();
    if (n < 32) {
      p[0] = static_cast<char>(0xa0 | n);
      copy_short(p + 1, value.data(), n);
      return p + 1 + n;
    }
    // Ids and UUIDs (the runtime id, request ids) are common values of 33-64 bytes: an
    // inline copy costs less than the call.
    if (n <= 64) {
      p[0] = static_cast<char>(0xd9);
      p[1] = static_cast<char>(n);
      detail::move_32_to_64_chars(p + 2, value.data(), n);
      return p + 2 + n;
    }
    return put_long_str(p, value);
  }

  // A string of fewer than 32 bytes from a run of 32 readable bytes that holds its
  // fixstr header and then its text (detail::StringRecord::fixstr_run()): one
  // fixed-size copy, no dispatch on the length. `p` needs room for 32 bytes: what follows
  // the string is scratch, which the next value overwrites.
  static constexpr std::size_t kFixstrRunBytes = 32;
  static char* put_fixstr_run(char* p, const char* run, std::size_t size) {
    std::memcpy(p, run, kFixstrRunBytes);
    return p + 1 + size;
  }

  template <std::size_t N>
  static char* put_literal(char* p, const char (&value)[N]) {
    static_assert(N >= 1 && N - 1 < 32, "literals are fixstr-sized");
    p[0] = static_cast<char>(0xa0 | (N - 1));
    std::memcpy(p + 1, value, N - 1);
    return p + N;
  }

  // Bytes known at compile time (e.g. a key and the marker of its value), as one copy.
  template <std::size_t N>
  static char* put_bytes(char* p, const char (&bytes)[N]) {
    std::memcpy(p, bytes, N - 1);
    return p + (N - 1);
  }

  static char* put_array_header(char* p, std::uint32_t count) {
    if (count < 16) {
      *p = static_cast<char>(0x90 | count);
      return p + 1;
    }
    return put_container_header(p, count, 0xdc);
  }
  static char* put_map_header(char* p, std::uint32_t count) {
    if (count < 16) {
      *p = static_cast<char>(0x80 | count);
      return p + 1;
    }
    return put_container_header(p, count, 0xde);
  }

  static void store_be16(char* p, std::uint16_t v) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap16(v);
#endif
    std::memcpy(p, &v, sizeof v);
  }
  static void store_be32(char* p, std::uint32_t v) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    std::memcpy(p, &v, sizeof v);
  }
  static void store_be64(char* p, std::uint64_t v) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    std::memcpy(p, &v, sizeof v);
  }

 private:
  // Copies n < 32 bytes without a call into libc: tag keys and values are mostly short,
  // and a call per string costs more than the copy. Loads and stores overlap instead of
  // looping, and never touch bytes outside [0, n).
  static void copy_short(char* dst, const char* src, std::size_t n) {
    if (n >= 16) {
      std::uint64_t a, b, c, d;
      std::memcpy(&a, src, 8);
      std::memcpy(&b, src + 8, 8);
      std::memcpy(&c, src + n - 16, 8);
      std::memcpy(&d, src + n - 8, 8);
      std::memcpy(dst, &a, 8);
      std::memcpy(dst + 8, &b, 8);
      std::memcpy(dst + n - 16, &c, 8);
      std::memcpy(dst + n - 8, &d, 8);
    } else if (n >= 8) {
      std::uint64_t a, b;
      std::memcpy(&a, src, 8);
      std::memcpy(&b, src + n - 8, 8);
      std::memcpy(dst, &a, 8);
      std::memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
      std::uint32_t a, b;
      std::memcpy(&a, src, 4);
      std::memcpy(&b, src + n - 4, 4);
      std::memcpy(dst, &a, 4);
      std::memcpy(dst + n - 4, &b, 4);
    } else if (n != 0) {
      dst[0] = src[0];
      dst[n / 2] = src[n / 2];
      dst[n - 1] = src[n - 1];
    }
  }

  // Room for `bytes` more bytes at the cursor; callers then advance cur_ themselves.
  char* cursor(std::size_t bytes) {
    if (static_cast<std::size_t>(end_ - cur_) < bytes) grow(bytes);
    return cur_;
  }
  void put_byte(std::uint8_t byte) {
    char* p = cursor(1);
    *p = static_cast<char>(byte);
    cur_ = p + 1;
  }

  void grow(std::size_t bytes);
  static char* put_negative_int(char* p, std::int64_t value);
  static char* put_long_str(char* p, std::string_view value);
  static char* put_container_header(char* p, std::uint32_t count, std::uint8_t marker16);

  // One of the two outputs.
  std::string* string_ = nullptr;
  ByteBuffer* buffer_ = nullptr;
  std::size_t start_;
  // Raw pointers into the output's memory: [base_, cur_) is written, [cur_, end_)
  // scratch.
  char* base_;
  char* cur_;
  char* end_;
};

}  // namespace gatetrace
