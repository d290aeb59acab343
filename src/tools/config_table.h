// The README's configuration table, generated from the one table of variables
// (gatetrace/config/environment_variables.h), and the README section that holds it.
// `gatetrace-config-table` prints or updates the section; a unit test fails when the
// README's copy differs, so the documentation cannot drift from the code. Header-only
// maintainer tooling: not part of the library.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "gatetrace/config/environment_variables.h"

namespace gatetrace::tools {

// The README section between these markers is generated; everything around it is prose.
inline constexpr std::string_view kConfigTableBegin = "<!-- config-table:begin -->";
inline constexpr std::string_view kConfigTableEnd = "<!-- config-table:end -->";

// A table cell: a '|' would end the cell, and a line break the row.
inline std::string markdown_cell(std::string_view text) {
  std::string cell;
  cell.reserve(text.size());
  for (char c : text) {
    if (c == '|') {
      cell += "\\|";
    } else if (c == '\n') {
      cell += ' ';
    } else {
      cell += c;
    }
  }
  return cell;
}

// The Markdown table (Variable, Type, Default, Description), one row per variable in
// the code's order, each line ending in '\n'. A default without spaces is a literal
// value and set as code; one with spaces describes the default in words.
inline std::string config_table_markdown() {
  std::string table =
      "| Variable | Type | Default | Description |\n"
      "| --- | --- | --- | --- |\n";
  for (const EnvVarInfo& var : kEnvVars) {
    table += "| `" + markdown_cell(var.name) + "` | " + markdown_cell(var.type) + " | ";
    if (var.default_value.find(' ') == std::string_view::npos && !var.default_value.empty()) {
      table += "`" + markdown_cell(var.default_value) + "`";
    } else {
      table += markdown_cell(var.default_value);
    }
    table += " | " + markdown_cell(var.description) + " |\n";
  }
  return table;
}

// Where the generated section's content lies in `readme`: from after the begin marker's
// line to the start of the end marker's line. Unset when a marker is missing, repeated
// or out of order.
struct SectionBounds {
  std::size_t begin = 0;
  std::size_t end = 0;
};

inline std::optional<SectionBounds> config_table_bounds(std::string_view readme) {
  const std::size_t begin_marker = readme.find(kConfigTableBegin);
  const std::size_t end_marker = readme.find(kConfigTableEnd);
  if (begin_marker == std::string_view::npos || end_marker == std::string_view::npos ||
      end_marker < begin_marker ||
      readme.find(kConfigTableBegin, begin_marker + 1) != std::string_view::npos ||
      readme.find(kConfigTableEnd, end_marker + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  SectionBounds bounds;
  bounds.begin = readme.find('\n', begin_marker);
  if (bounds.begin == std::string_view::npos || bounds.begin > end_marker) return std::nullopt;
  bounds.begin += 1;
  bounds.end = readme.rfind('\n', end_marker);
  bounds.end = bounds.end == std::string_view::npos || bounds.end < bounds.begin ? bounds.begin
                                                                                 : bounds.end + 1;
  if (bounds.end != end_marker) return std::nullopt;  // the end marker must start a line
  return bounds;
}

// The README's generated section without its surrounding blank lines.
inline std::optional<std::string> readme_config_table(std::string_view readme) {
  const auto bounds = config_table_bounds(readme);
  if (!bounds) return std::nullopt;
  std::string_view section = readme.substr(bounds->begin, bounds->end - bounds->begin);
  while (!section.empty() && section.front() == '\n') section.remove_prefix(1);
  while (section.size() >= 2 && section.substr(section.size() - 2) == "\n\n") {
    section.remove_suffix(1);
  }
  return std::string(section);
}

// `readme` with its generated section replaced by `table`, set off by blank lines (so
// that Markdown renders it as a table). Unset when the markers are not usable.
inline std::optional<std::string> with_config_table(std::string_view readme,
                                                    std::string_view table) {
  const auto bounds = config_table_bounds(readme);
  if (!bounds) return std::nullopt;
  std::string result(readme.substr(0, bounds->begin));
  result += '\n';
  result += table;
  result += '\n';
  result += readme.substr(bounds->end);
  return result;
}

}  // namespace gatetrace::tools
