// The startup log: one JSON line with the effective value of every variable in the
// table, plus the library's version, so a user can see at a glance what gatetrace
// thinks its configuration is.
#include <nlohmann/json.hpp>

#include "gatetrace/config/environment_variables.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

std::string startup_log_json(const FinalizedTracerConfig& config) {
  nlohmann::json log;
  log["version"] = GATETRACE_VERSION_STRING;
  log["lang"] = "cpp";
  nlohmann::json settings = nlohmann::json::object();
  for (std::size_t i = 0; i < kEnvVarCount && i < config.effective_values.size(); ++i) {
    settings[std::string(kEnvVars[i].name)] = config.effective_values[i];
  }
  log["configuration"] = std::move(settings);
  nlohmann::json errors = nlohmann::json::array();
  for (const Error& error : config.errors) errors.push_back(error.message);
  log["configuration_errors"] = std::move(errors);
  return log.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace gatetrace
