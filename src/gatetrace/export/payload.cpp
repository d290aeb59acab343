#include "gatetrace/export/payload.h"

#include <cstdint>

#include "gatetrace/export/msgpack_writer.h"

namespace gatetrace {

std::size_t array_header_size(std::size_t count) {
  if (count < 16) return 1;
  if (count <= 0xffff) return 3;
  return 5;
}

std::vector<std::size_t> split_payloads(const std::vector<std::size_t>& chunk_sizes,
                                        std::size_t max_body_bytes) {
  std::vector<std::size_t> groups;
  std::size_t count = 0;
  std::size_t bytes = 0;
  for (const std::size_t size : chunk_sizes) {
    if (count != 0 && array_header_size(count + 1) + bytes + size > max_body_bytes) {
      groups.push_back(count);
      count = 0;
      bytes = 0;
    }
    ++count;
    bytes += size;
  }
  if (count != 0) groups.push_back(count);
  return groups;
}

void write_payload(std::string& out, const std::vector<std::string_view>& chunks) {
  // Appends into reserved capacity: a MsgpackWriter over the string would zero-fill the
  // whole body before copying the chunks over it.
  std::size_t total = out.size() + MsgpackWriter::kMaxContainerHeader;
  for (const auto chunk : chunks) total += chunk.size();
  out.reserve(total);
  char header[MsgpackWriter::kMaxContainerHeader];
  const char* header_end =
      MsgpackWriter::put_array_header(header, static_cast<std::uint32_t>(chunks.size()));
  out.append(header, static_cast<std::size_t>(header_end - header));
  for (const auto chunk : chunks) out.append(chunk.data(), chunk.size());
}

}  // namespace gatetrace
