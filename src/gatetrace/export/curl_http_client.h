// The production HttpClient: libcurl, talking to the agent over TCP or its Unix domain
// socket. One easy handle is kept for the client's lifetime so that its connection to
// the agent is reused between flushes. Requests carry an explicit Content-Length and an
// empty `Expect:` header (otherwise libcurl adds `Expect: 100-continue` to large bodies
// and waits up to a second for the agent's interim answer). Proxy environment variables
// are ignored: the agent is local, and a proxy meant for the application's outgoing
// traffic must not capture traces.
#pragma once

#include <memory>

#include "gatetrace/http_client.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

std::shared_ptr<HttpClient> make_curl_http_client(const AgentUrl& url);

}  // namespace gatetrace
