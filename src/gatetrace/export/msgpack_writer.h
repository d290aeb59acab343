// MsgpackWriter: the msgpack encoder behind the agent payload. It appends to a
// std::string and always picks the most compact form (positive fixint, fixstr, fixmap,
// ...), which the agent accepts and which keeps payloads small. Encoding runs on the
// request thread that finishes a trace, so the common small cases are inline and write
// through a raw cursor into space reserved in the string; the rare large size classes
// live out of line to keep the inlined code short.
//
//   std::string out;
//   {
//     MsgpackWriter writer(out);
//     writer.write_map_header(1);
//     writer.write_literal("answer");
//     writer.write_uint(42);
//   }  // the destructor (or finish()) trims `out` to what was written
//
// While a writer is alive, `out` may hold scratch bytes past the written data; do not
// read or modify `out` until finish() or the destructor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace gatetrace {

class MsgpackWriter {
 public:
  explicit MsgpackWriter(std::string& out) : out_(out), start_(out.size()) {
    base_ = out.data();
    cur_ = base_ + out.size();
    end_ = cur_;
  }
  ~MsgpackWriter() { finish(); }
  MsgpackWriter(const MsgpackWriter&) = delete;
  MsgpackWriter& operator=(const MsgpackWriter&) = delete;

  // Trims the string to the bytes written. Idempotent; writing may continue after it.
  void finish() {
    const std::size_t used = static_cast<std::size_t>(cur_ - base_);
    out_.resize(used);
    base_ = out_.data();
    cur_ = base_ + used;
    end_ = cur_;
  }

  // Bytes written by this writer so far.
  std::size_t written() const { return static_cast<std::size_t>(cur_ - base_) - start_; }

  // Makes room for at least `bytes` more bytes at once, so that a caller who can
  // estimate its output avoids repeated growth.
  void reserve(std::size_t bytes) {
    if (static_cast<std::size_t>(end_ - cur_) < bytes) grow(bytes);
  }

  void write_nil() { put_byte(0xc0); }
  void write_bool(bool value) { put_byte(value ? 0xc3 : 0xc2); }

  void write_uint(std::uint64_t value) {
    if (value < 0x80) {
      put_byte(static_cast<std::uint8_t>(value));
    } else if (value > 0xffffffffu) {
      // Span and trace ids: almost always this form, so it is inline too.
      char* p = cursor(9);
      p[0] = static_cast<char>(0xcf);
      store_be64(p + 1, value);
      cur_ = p + 9;
    } else {
      write_uint_slow(value);
    }
  }

  // Non-negative values take the unsigned forms (as msgpack recommends).
  void write_int(std::int64_t value) {
    if (value >= 0) {
      write_uint(static_cast<std::uint64_t>(value));
    } else if (value >= -32) {
      put_byte(static_cast<std::uint8_t>(value));  // negative fixint: 0xe0..0xff
    } else {
      write_int_slow(value);
    }
  }

  void write_float64(double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    char* p = cursor(9);
    p[0] = static_cast<char>(0xcb);
    store_be64(p + 1, bits);
    cur_ = p + 9;
  }

  void write_str(std::string_view value) {
    const std::size_t n = value.size();
    if (n < 32) {
      char* p = cursor(1 + n);
      p[0] = static_cast<char>(0xa0 | n);
      copy_short(p + 1, value.data(), n);
      cur_ = p + (1 + n);
    } else {
      write_str_slow(value);
    }
  }

  // A string literal shorter than 32 bytes (map keys): size known at compile time.
  template <std::size_t N>
  void write_literal(const char (&value)[N]) {
    static_assert(N >= 1 && N - 1 < 32, "write_literal takes fixstr-sized literals");
    char* p = cursor(N);
    p[0] = static_cast<char>(0xa0 | (N - 1));
    std::memcpy(p + 1, value, N - 1);
    cur_ = p + N;
  }

  void write_array_header(std::uint32_t count) {
    if (count < 16) {
      put_byte(static_cast<std::uint8_t>(0x90 | count));
    } else {
      write_container_header_slow(count, 0xdc);
    }
  }

  void write_map_header(std::uint32_t count) {
    if (count < 16) {
      put_byte(static_cast<std::uint8_t>(0x80 | count));
    } else {
      write_container_header_slow(count, 0xde);
    }
  }

  // Bytes that are already msgpack (e.g. encoded chunks concatenated into a payload).
  void write_raw(std::string_view bytes) {
    if (bytes.empty()) return;
    char* p = cursor(bytes.size());
    std::memcpy(p, bytes.data(), bytes.size());
    cur_ = p + bytes.size();
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
  void write_uint_slow(std::uint64_t value);
  void write_int_slow(std::int64_t value);
  void write_str_slow(std::string_view value);
  void write_container_header_slow(std::uint32_t count, std::uint8_t marker16);

  // Raw pointers into out_'s buffer: [base_, cur_) is written, [cur_, end_) scratch.
  std::string& out_;
  std::size_t start_;
  char* base_;
  char* cur_;
  char* end_;
};

}  // namespace gatetrace
