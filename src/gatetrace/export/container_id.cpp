#include "gatetrace/export/container_id.h"

#include <fstream>
#include <sstream>

namespace gatetrace {
namespace {

constexpr std::size_t kIdLength = 64;

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// The id is the last path segment, possibly with a runtime prefix ending in '-' (e.g.
// `docker-`, `cri-containerd-`, `crio-`, `libpod-`) and a `.scope` suffix.
std::optional<std::string> id_from_path(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view segment = path.substr(slash + 1);
  constexpr std::string_view kScope = ".scope";
  if (segment.size() >= kScope.size() && segment.substr(segment.size() - kScope.size()) == kScope) {
    segment.remove_suffix(kScope.size());
  }
  if (segment.size() < kIdLength) return std::nullopt;
  const std::string_view candidate = segment.substr(segment.size() - kIdLength);
  for (const char c : candidate) {
    if (!is_lower_hex(c)) return std::nullopt;
  }
  if (segment.size() > kIdLength) {
    const char before = segment[segment.size() - kIdLength - 1];
    if (before != '-' && before != ':') return std::nullopt;
  }
  return std::string(candidate);
}

}  // namespace

std::optional<std::string> parse_container_id(std::string_view cgroup_text) {
  while (!cgroup_text.empty()) {
    const auto newline = cgroup_text.find('\n');
    std::string_view line = cgroup_text.substr(0, newline);
    cgroup_text.remove_prefix(newline == std::string_view::npos ? cgroup_text.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // hierarchy-id:controllers:path; the path may itself contain ':'.
    const auto first = line.find(':');
    if (first == std::string_view::npos) continue;
    const auto second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    if (auto id = id_from_path(line.substr(second + 1))) return id;
  }
  return std::nullopt;
}

std::optional<std::string> read_container_id(const char* path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return parse_container_id(text.str());
}

}  // namespace gatetrace
