// AgentStandIn: a small, real HTTP/1.1 server that speaks the Datadog Agent's trace
// intake well enough to test gatetrace end to end and to watch a demo's traces without
// an agent. It listens on 127.0.0.1 (an ephemeral port by default) or on a Unix domain
// socket, keeps connections alive as libcurl expects, records every request (headers
// with lowercased names, raw body, body decoded with nlohmann's msgpack decoder) and
// answers /v0.4/traces the way it is told: a status and body, or a fault (delay, hang,
// close without answering, garbage). GET /info answers a small discovery document.
//
//   gatetrace::standin::AgentStandIn agent;            // 127.0.0.1:<ephemeral>
//   ... point the tracer at agent.url() ...
//   ASSERT_TRUE(agent.wait_for_traces(1, std::chrono::seconds(5)));
//   nlohmann::json chunk = agent.traces()[0];          // an array of span maps
//
// Thread-safe. The destructor stops promptly, even with hung or idle connections.
// Test tooling: failures to listen throw std::system_error.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent_stand_in/msgpack_count.h"

namespace gatetrace::standin {

struct RecordedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;                            // raw bytes
  nlohmann::json payload;                      // msgpack-decoded body, or null
  bool payload_decoded = false;
};

enum class Fault {
  kNone,
  kDelay,               // wait `delay`, then answer normally
  kHang,                // never answer (until the stand-in stops)
  kCloseWithoutAnswer,  // read the request, then close the connection
  kGarbageBody,         // answer 200 with a body that is not JSON
  kGarbageResponse,     // answer bytes that are not HTTP, then close
};

struct Reply {
  int status = 200;
  std::string body = R"({"rate_by_service":{"service:,env:":1}})";
  Fault fault = Fault::kNone;
  std::chrono::milliseconds delay{0};
};

struct StandInOptions {
  int port = 0;                  // 0: ephemeral (see port())
  std::string unix_socket_path;  // non-empty: listen there instead of TCP
  bool keep_requests = true;     // false: only count (load tests)
  // false: payloads are counted without being decoded (RecordedRequest::payload stays
  // null), for load tests that only need the totals.
  bool decode_payloads = true;
  // With decode_payloads false, false counts only the traces, from the payload's first
  // bytes (its top-level array's header), and discards the rest of the body as it
  // arrives without receiving it into memory (RecordedRequest::body stays empty, the
  // totals count no spans, and a payload is undecodable only when its start is wrong):
  // the --discard mode of load tests, whose stand-in shares the cores with the service
  // it measures. Walking every value to count the spans cost it about 3.5 instructions
  // per payload byte, and receiving the body about as much again.
  bool count_spans = true;
};

struct StandInTotals {
  std::uint64_t requests = 0;  // to /v0.4/traces
  std::uint64_t traces = 0;    // chunks
  std::uint64_t spans = 0;
  std::uint64_t bytes = 0;
  std::uint64_t undecodable = 0;
};

class AgentStandIn {
 public:
  explicit AgentStandIn(StandInOptions options = {});
  ~AgentStandIn();
  AgentStandIn(const AgentStandIn&) = delete;
  AgentStandIn& operator=(const AgentStandIn&) = delete;

  int port() const { return port_; }
  const std::string& unix_socket_path() const { return options_.unix_socket_path; }
  // "http://127.0.0.1:<port>" or "unix://<path>" (the DD_TRACE_AGENT_URL forms).
  std::string url() const;

  // The answer to every /v0.4/traces request, unless a one-shot reply is queued.
  void set_reply(Reply reply);
  // One-shot replies, used in order before the default.
  void push_reply(Reply reply);
  // Called (on a connection thread) after each /v0.4/traces request is recorded.
  void set_on_request(std::function<void(const RecordedRequest&)> callback);

  std::vector<RecordedRequest> requests() const;
  // Every chunk received so far, in arrival order.
  std::vector<nlohmann::json> traces() const;
  StandInTotals totals() const;
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;
  bool wait_for_traces(std::size_t count, std::chrono::milliseconds timeout) const;
  // Connections accepted so far (to check that clients reuse them).
  std::uint64_t connections_accepted() const;

  // Stops listening and closes every connection. Idempotent.
  void stop();

 private:
  struct Connection {
    std::thread thread;
    int fd = -1;
    bool done = false;
  };

  void accept_loop();
  void serve(Connection* connection);
  // Handles one request; false when the connection must be closed. `counted`: the
  // payload's count when its body was discarded unread (`body_bytes` long).
  bool handle(int fd, RecordedRequest request, const PayloadCount* counted = nullptr,
              std::size_t body_bytes = 0);
  // Whether a request's body is counted from its start and discarded unread.
  bool counts_from_header(const RecordedRequest& request) const;
  Reply next_reply();
  bool wait_unless_stopping(std::chrono::milliseconds delay);
  void reap_finished_connections();

  StandInOptions options_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  Reply default_reply_;
  std::deque<Reply> replies_;
  std::function<void(const RecordedRequest&)> on_request_;
  std::vector<RecordedRequest> requests_;
  StandInTotals totals_;
  std::uint64_t connections_accepted_ = 0;
  std::list<Connection> connections_;

  std::thread acceptor_;
};

// A chunk (an array of span maps) as an indented tree: children under their parents,
// siblings by start time, one line per span: service, name, resource, duration in ms,
// and the tags that matter when reading a trace (http.status_code, error, component,
// span.kind, priority).
std::string render_trace_tree(const nlohmann::json& chunk);

}  // namespace gatetrace::standin
