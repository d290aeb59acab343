// Test helper: an independent look at the raw msgpack bytes. nlohmann's from_msgpack is
// the reference decoder, but it silently keeps one of two duplicate map keys; walking
// the bytes and comparing each map's declared entry count with what the decoder kept
// catches duplicates (and miscounted headers) anywhere in a document.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatetrace::testing {

class MsgpackInspector {
 public:
  explicit MsgpackInspector(std::string_view bytes) : bytes_(bytes) {}

  // The declared entry count of every map in the document (one value at the start).
  // Throws std::runtime_error on truncated or unknown input.
  std::vector<std::size_t> map_sizes() {
    pos_ = 0;
    sizes_.clear();
    skip_value();
    if (pos_ != bytes_.size()) throw std::runtime_error("trailing bytes after the document");
    return sizes_;
  }

 private:
  std::uint64_t read_be(std::size_t n) {
    need(n);
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < n; ++i) {
      value = (value << 8) | static_cast<std::uint8_t>(bytes_[pos_ + i]);
    }
    pos_ += n;
    return value;
  }
  void need(std::size_t n) const {
    if (bytes_.size() - pos_ < n) throw std::runtime_error("truncated msgpack");
  }
  void skip(std::size_t n) {
    need(n);
    pos_ += n;
  }
  void skip_values(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) skip_value();
  }
  void map(std::uint64_t n) {
    sizes_.push_back(static_cast<std::size_t>(n));
    skip_values(2 * n);
  }

  void skip_value() {
    const auto marker = static_cast<std::uint8_t>(read_be(1));
    if (marker <= 0x7f || marker >= 0xe0) return;           // fixints
    if (marker <= 0x8f) return map(marker & 0x0f);          // fixmap
    if (marker <= 0x9f) return skip_values(marker & 0x0f);  // fixarray
    if (marker <= 0xbf) return skip(marker & 0x1f);         // fixstr
    switch (marker) {
      case 0xc0:
      case 0xc2:
      case 0xc3:
        return;
      case 0xc4:
      case 0xd9:
        return skip(read_be(1));
      case 0xc5:
      case 0xda:
        return skip(read_be(2));
      case 0xc6:
      case 0xdb:
        return skip(read_be(4));
      case 0xca:
        return skip(4);
      case 0xcb:
        return skip(8);
      case 0xcc:
      case 0xd0:
        return skip(1);
      case 0xcd:
      case 0xd1:
        return skip(2);
      case 0xce:
      case 0xd2:
        return skip(4);
      case 0xcf:
      case 0xd3:
        return skip(8);
      case 0xdc:
        return skip_values(read_be(2));
      case 0xdd:
        return skip_values(read_be(4));
      case 0xde:
        return map(read_be(2));
      case 0xdf:
        return map(read_be(4));
      default:
        throw std::runtime_error("msgpack type not produced by gatetrace: " +
                                 std::to_string(marker));
    }
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::vector<std::size_t> sizes_;
};

inline void collect_object_sizes(const nlohmann::json& value, std::vector<std::size_t>& out) {
  if (value.is_object()) out.push_back(value.size());
  if (value.is_structured()) {
    for (const auto& child : value) collect_object_sizes(child, out);
  }
}

// Decodes `bytes` with nlohmann and checks that every map kept all its declared keys.
inline nlohmann::json decode_checked(std::string_view bytes) {
  const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  nlohmann::json decoded = nlohmann::json::from_msgpack(data);
  std::vector<std::size_t> declared = MsgpackInspector(bytes).map_sizes();
  std::vector<std::size_t> kept;
  collect_object_sizes(decoded, kept);
  std::sort(declared.begin(), declared.end());
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(declared, kept) << "a map declares more entries than it has distinct keys";
  return decoded;
}

}  // namespace gatetrace::testing
