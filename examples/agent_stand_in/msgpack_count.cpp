#include "agent_stand_in/msgpack_count.h"

#include <array>

namespace gatetrace::standin {
namespace {

// The whole size of a value whose type byte alone tells it (fixints, nil, booleans,
// floats, fixed-size integers, fixext, fixstr), 0 for the others (containers, and
// strings, bins and exts with a length field): a trace payload is mostly such values,
// skipped with one lookup.
constexpr std::array<std::uint8_t, 256> make_fixed_sizes() {
  std::array<std::uint8_t, 256> sizes{};
  for (int type = 0; type < 256; ++type) {
    std::uint8_t size = 0;
    if (type <= 0x7f || type >= 0xe0) size = 1;                  // fixints
    if (type >= 0xa0 && type <= 0xbf) size = 1 + (type & 0x1f);  // fixstr
    if (type == 0xc0 || type == 0xc2 || type == 0xc3) size = 1;  // nil, false, true
    if (type == 0xca) size = 5;
    if (type == 0xcb) size = 9;
    if (type >= 0xcc && type <= 0xcf) size = 1 + (1 << (type - 0xcc));      // uint 8..64
    if (type >= 0xd0 && type <= 0xd3) size = 1 + (1 << (type - 0xd0));      // int 8..64
    if (type >= 0xd4 && type <= 0xd8) size = 1 + 1 + (1 << (type - 0xd4));  // fixext
    sizes[static_cast<std::size_t>(type)] = size;
  }
  return sizes;
}
constexpr std::array<std::uint8_t, 256> kFixedSizes = make_fixed_sizes();

// A cursor over the body; every read checks the room left.
class Reader {
 public:
  explicit Reader(std::string_view body) : at_(body.data()), end_(body.data() + body.size()) {}
  bool done() const { return at_ == end_; }
  std::size_t left() const { return static_cast<std::size_t>(end_ - at_); }

  bool peek(std::uint8_t& out) const {
    if (at_ == end_) return false;
    out = static_cast<std::uint8_t>(*at_);
    return true;
  }
  bool byte(std::uint8_t& out) {
    if (at_ == end_) return false;
    out = static_cast<std::uint8_t>(*at_++);
    return true;
  }
  // A big-endian unsigned integer of `size` bytes.
  bool number(std::size_t size, std::uint64_t& out) {
    if (static_cast<std::size_t>(end_ - at_) < size) return false;
    out = 0;
    for (std::size_t i = 0; i < size; ++i) out = (out << 8) | static_cast<std::uint8_t>(at_[i]);
    at_ += size;
    return true;
  }
  bool skip(std::uint64_t size) {
    if (static_cast<std::uint64_t>(end_ - at_) < size) return false;
    at_ += size;
    return true;
  }

 private:
  const char* at_;
  const char* end_;
};

enum class Kind { kScalar, kString, kArray, kMap };

// Reads one value's header and skips its payload (for containers: returns the number
// of elements to read next; a map's are key/value pairs).
bool read_header(Reader& in, Kind& kind, std::uint64_t& elements) {
  std::uint8_t type = 0;
  if (!in.byte(type)) return false;
  kind = Kind::kScalar;
  elements = 0;
  std::uint64_t size = 0;
  if (type <= 0x7f || type >= 0xe0) return true;  // fixints
  if (type <= 0x8f) {
    kind = Kind::kMap;
    elements = type & 0x0f;
    return true;
  }
  if (type <= 0x9f) {
    kind = Kind::kArray;
    elements = type & 0x0f;
    return true;
  }
  if (type <= 0xbf) {
    kind = Kind::kString;
    return in.skip(type & 0x1f);
  }
  switch (type) {
    case 0xc0:  // nil
    case 0xc2:  // false
    case 0xc3:  // true
      return true;
    case 0xc4:
    case 0xc5:
    case 0xc6:  // bin 8/16/32
      return in.number(std::size_t{1} << (type - 0xc4), size) && in.skip(size);
    case 0xc7:
    case 0xc8:
    case 0xc9:  // ext 8/16/32: length, type byte, data
      return in.number(std::size_t{1} << (type - 0xc7), size) && in.skip(size + 1);
    case 0xca:
      return in.skip(4);
    case 0xcb:
      return in.skip(8);
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:  // uint 8..64
      return in.skip(std::size_t{1} << (type - 0xcc));
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:  // int 8..64
      return in.skip(std::size_t{1} << (type - 0xd0));
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:  // fixext 1..16, after its type byte
      return in.skip(1 + (std::size_t{1} << (type - 0xd4)));
    case 0xd9:
    case 0xda:
    case 0xdb:  // str 8/16/32
      kind = Kind::kString;
      return in.number(std::size_t{1} << (type - 0xd9), size) && in.skip(size);
    case 0xdc:
    case 0xdd:  // array 16/32
      kind = Kind::kArray;
      return in.number(type == 0xdc ? 2 : 4, elements);
    case 0xde:
    case 0xdf:  // map 16/32
      kind = Kind::kMap;
      return in.number(type == 0xde ? 2 : 4, elements);
    default:  // 0xc1 is never used
      return false;
  }
}

// Skips one value with everything inside it, without recursion. The innermost open
// container's count of values still to read lives in locals (a map counts its keys and
// values alike, so an even count left in a map means a key comes next); the containers
// around it wait on a stack. Values of a size fixed by their type byte, most keys and
// values of a trace payload, are skipped before the general header decoding. A map's keys must be
// strings (the decoder refuses others).
bool skip_value(Reader& in) {
  struct Level {
    std::uint64_t left;
    bool map;
  };
  // Deep enough for any trace payload; deeper input is refused rather than overflowing.
  constexpr std::size_t kMaxDepth = 64;
  Level stack[kMaxDepth];
  std::size_t depth = 0;
  std::uint64_t left = 1;  // at the top: one value
  bool map = false;
  while (true) {
    if (left == 0) {
      if (depth == 0) return true;
      --depth;
      left = stack[depth].left;
      map = stack[depth].map;
      continue;
    }
    const bool is_key = map && left % 2 == 0;
    --left;
    std::uint8_t type = 0;
    if (!in.peek(type)) return false;
    const std::uint8_t fixed = kFixedSizes[type];
    if (fixed != 0 && (!is_key || (type >= 0xa0 && type <= 0xbf))) {
      if (!in.skip(fixed)) return false;
      continue;
    }
    Kind kind;
    std::uint64_t elements;
    if (!read_header(in, kind, elements)) return false;
    if (is_key && kind != Kind::kString) return false;
    if (kind == Kind::kArray || kind == Kind::kMap) {
      if (depth == kMaxDepth) return false;
      stack[depth++] = {left, map};
      map = kind == Kind::kMap;
      left = map ? elements * 2 : elements;
    }
  }
}

}  // namespace

PayloadCount count_payload(std::string_view body) {
  PayloadCount count;
  Reader in(body);
  Kind kind;
  std::uint64_t chunks = 0;
  if (!read_header(in, kind, chunks) || kind != Kind::kArray) return {};
  for (std::uint64_t i = 0; i < chunks; ++i) {
    Reader start = in;
    std::uint64_t spans = 0;
    if (!read_header(start, kind, spans)) return {};
    if (kind == Kind::kArray) count.spans += spans;
    if (!skip_value(in)) return {};
  }
  if (!in.done()) return {};
  count.valid = true;
  count.traces = chunks;
  return count;
}

PayloadCount count_traces_from_header(std::string_view head, std::uint64_t body_size) {
  if (head.size() > body_size) return {};
  Reader in(head);
  Kind kind;
  std::uint64_t chunks = 0;
  if (!read_header(in, kind, chunks) || kind != Kind::kArray) return {};
  const std::uint64_t header_size = head.size() - in.left();
  if (chunks > body_size - header_size) return {};
  PayloadCount count;
  count.valid = true;
  count.traces = chunks;
  return count;
}

}  // namespace gatetrace::standin
