#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent_stand_in/agent_stand_in.h"

namespace gatetrace::standin {
namespace {

using nlohmann::json;

std::uint64_t id_field(const json& span, const char* key) {
  const auto it = span.find(key);
  if (it == span.end() || !it->is_number_integer()) return 0;
  return it->get<std::uint64_t>();
}

std::int64_t int_field(const json& span, const char* key) {
  const auto it = span.find(key);
  if (it == span.end() || !it->is_number()) return 0;
  return it->get<std::int64_t>();
}

std::string string_field(const json& span, const char* key) {
  const auto it = span.find(key);
  if (it == span.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string meta(const json& span, const char* key) {
  const auto tags = span.find("meta");
  if (tags == span.end() || !tags->is_object()) return "";
  return string_field(*tags, key);
}

std::string metric(const json& span, const char* key) {
  const auto metrics = span.find("metrics");
  if (metrics == span.end() || !metrics->is_object()) return "";
  const auto it = metrics->find(key);
  if (it == metrics->end() || !it->is_number()) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%g", it->get<double>());
  return text;
}

std::string render_line(const json& span) {
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f ms",
                static_cast<double>(int_field(span, "duration")) / 1e6);
  std::string line = string_field(span, "service") + " " + string_field(span, "name") + " \"" +
                     string_field(span, "resource") + "\" " + duration;
  std::vector<std::pair<std::string, std::string>> tags;
  std::string status = meta(span, "http.status_code");
  if (status.empty()) status = metric(span, "http.status_code");
  if (!status.empty()) tags.emplace_back("http.status_code", status);
  if (int_field(span, "error") != 0) {
    const std::string message = meta(span, "error.message");
    tags.emplace_back("error", message.empty() ? "1" : message);
  }
  for (const char* key : {"component", "span.kind"}) {
    const std::string value = meta(span, key);
    if (!value.empty()) tags.emplace_back(key, value);
  }
  const std::string priority = metric(span, "_sampling_priority_v1");
  if (!priority.empty()) tags.emplace_back("priority", priority);
  if (!tags.empty()) {
    line += " [";
    for (std::size_t i = 0; i < tags.size(); ++i) {
      if (i != 0) line += " ";
      line += tags[i].first + "=" + tags[i].second;
    }
    line += "]";
  }
  return line;
}

}  // namespace

std::string render_trace_tree(const json& chunk) {
  if (!chunk.is_array() || chunk.empty()) return "(empty or malformed trace chunk)\n";
  std::set<std::uint64_t> ids;
  for (const auto& span : chunk) {
    if (span.is_object()) ids.insert(id_field(span, "span_id"));
  }
  // Spans whose parent is not in the chunk are roots of this segment.
  std::map<std::uint64_t, std::vector<const json*>> children;
  std::vector<const json*> roots;
  for (const auto& span : chunk) {
    if (!span.is_object()) continue;
    const std::uint64_t parent = id_field(span, "parent_id");
    if (parent != 0 && ids.count(parent) != 0 && parent != id_field(span, "span_id")) {
      children[parent].push_back(&span);
    } else {
      roots.push_back(&span);
    }
  }
  const auto by_start = [](const json* a, const json* b) {
    return int_field(*a, "start") < int_field(*b, "start");
  };
  std::stable_sort(roots.begin(), roots.end(), by_start);
  for (auto& entry : children) std::stable_sort(entry.second.begin(), entry.second.end(), by_start);

  // The local root carries the trace tags; a chunk may list it anywhere.
  const json& first = roots.empty() ? chunk.front() : *roots.front();
  std::string out = "trace " + std::to_string(id_field(first, "trace_id"));
  const std::string high = meta(first, "_dd.p.tid");
  if (!high.empty()) out += " (_dd.p.tid " + high + ")";
  out += ", " + std::to_string(chunk.size()) + (chunk.size() == 1 ? " span\n" : " spans\n");

  // Each span is printed once, even if a malformed chunk makes a cycle of parents.
  std::set<const json*> printed;
  std::function<void(const json*, int)> print = [&](const json* span, int depth) {
    if (!printed.insert(span).second) return;
    out += std::string(2 * (depth + 1), ' ') + render_line(*span) + "\n";
    const auto it = children.find(id_field(*span, "span_id"));
    if (it == children.end()) return;
    for (const json* child : it->second) print(child, depth + 1);
  };
  for (const json* root : roots) print(root, 0);
  // Spans only reachable through a cycle have no root; show them at the top level.
  for (const auto& span : chunk) {
    if (span.is_object()) print(&span, 0);
  }
  return out;
}

}  // namespace gatetrace::standin
