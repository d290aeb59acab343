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
  std::size_t total = 5;
  for (const auto chunk : chunks) total += chunk.size();
  MsgpackWriter writer(out);
  writer.reserve(total);
  writer.write_array_header(static_cast<std::uint32_t>(chunks.size()));
  for (const auto chunk : chunks) writer.write_raw(chunk);
  writer.finish();
}

}  // namespace gatetrace
