// How a flush cycle turns queued, already-encoded chunks into request bodies: a v0.4
// body is a msgpack array header followed by the chunks' bytes, and each body stays
// within the configured maximum so the agent never refuses it (413) and no single
// request holds the flush thread for long. Pure functions, so that the splitting rule
// is tested without threads or sockets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gatetrace {

// The size of the msgpack array header for `count` elements (1, 3 or 5 bytes).
std::size_t array_header_size(std::size_t count);

// Splits chunks of the given encoded sizes, in order, into consecutive groups whose body
// (array header + chunks) is at most `max_body_bytes`. A chunk too large on its own is
// sent alone. Returns the number of chunks in each group.
std::vector<std::size_t> split_payloads(const std::vector<std::size_t>& chunk_sizes,
                                        std::size_t max_body_bytes);

// Appends a body made of `chunks` to `out`.
void write_payload(std::string& out, const std::vector<std::string_view>& chunks);

}  // namespace gatetrace
