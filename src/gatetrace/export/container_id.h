// The container id, for the agent's `Datadog-Container-ID` / `Datadog-Entity-ID`
// headers: the agent uses it to tag traces with the container's orchestrator metadata.
// It is read once, at exporter start, from /proc/self/cgroup, whose lines look like
//   cgroup v1: `12:memory:/docker/<64 hex>` or `4:cpu:/kubepods/.../<64 hex>`
//   cgroup v2: `0::/system.slice/docker-<64 hex>.scope`
// Outside a container (or with a private cgroup namespace, where v2 shows `0::/`) there
// is no id and the headers are not sent.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gatetrace {

// The first 64-hex-digit container id found in the text of a cgroup file.
std::optional<std::string> parse_container_id(std::string_view cgroup_text);

// Reads and parses `path`; no id when the file cannot be read.
std::optional<std::string> read_container_id(const char* path = "/proc/self/cgroup");

}  // namespace gatetrace
