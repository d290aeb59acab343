// Defaults that are more than a literal.
#pragma once

#include <string>

namespace gatetrace {

// The executable's name, as other Datadog tracers default to the process's name.
std::string default_service_name();

}  // namespace gatetrace
