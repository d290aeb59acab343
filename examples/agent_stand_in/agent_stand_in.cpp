#include "agent_stand_in/agent_stand_in.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "agent_stand_in/msgpack_count.h"

namespace gatetrace::standin {
namespace {

// What the real agent refuses with 413.
constexpr std::size_t kMaxBody = 25u << 20;
constexpr std::size_t kMaxHeader = 64u << 10;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

const char* reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool send_response(int fd, int status, const std::string& body,
                   const char* content_type = "application/json") {
  std::string response = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  response += std::string("Content-Type: ") + content_type + "\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  response += body;
  return send_all(fd, response);
}

// Receives into `body` (holding the first bytes already read) until it has `length`
// bytes; false on EOF or error.
bool read_rest(int fd, std::string& body, std::size_t length) {
  std::size_t have = body.size();
  body.resize(length);
  while (have < length) {
    const ssize_t n = ::recv(fd, &body[have], length - have, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    have += static_cast<std::size_t>(n);
  }
  return true;
}

// Receives and drops `length` bytes; false on EOF or error. On TCP, MSG_TRUNC makes the
// kernel drop them without copying them out (tcp(7)); other sockets copy them into a
// scratch buffer.
bool discard(int fd, std::size_t length, bool tcp) {
  char scratch[64 * 1024];
  const int flags = tcp ? MSG_TRUNC : 0;
  while (length > 0) {
    const ssize_t n = ::recv(fd, scratch, std::min(length, sizeof scratch), flags);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    length -= std::min(length, static_cast<std::size_t>(n));
  }
  return true;
}

// Reads more bytes into `buffer`; false on EOF or error. What a request's head needs:
// a few KiB at a time, received straight into the buffer. Reading 64 KiB through a
// stack chunk took the start of every payload with the head and copied it twice, which
// was most of what the --discard mode still cost (its bodies are dropped unread).
bool read_more(int fd, std::string& buffer) {
  constexpr std::size_t kReadSize = 4096;
  const std::size_t have = buffer.size();
  buffer.resize(have + kReadSize);
  while (true) {
    const ssize_t n = ::recv(fd, &buffer[have], kReadSize, 0);
    if (n < 0 && errno == EINTR) continue;
    buffer.resize(have + (n > 0 ? static_cast<std::size_t>(n) : 0));
    return n > 0;
  }
}

std::size_t count_spans(const nlohmann::json& payload) {
  std::size_t spans = 0;
  if (!payload.is_array()) return 0;
  for (const auto& chunk : payload) {
    if (chunk.is_array()) spans += chunk.size();
  }
  return spans;
}

}  // namespace

AgentStandIn::AgentStandIn(StandInOptions options) : options_(std::move(options)) {
  if (options_.unix_socket_path.empty()) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw_errno("socket");
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(options_.port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      const int error = errno;
      ::close(listen_fd_);
      errno = error;
      throw_errno("bind 127.0.0.1:" + std::to_string(options_.port));
    }
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  } else {
    sockaddr_un address{};
    if (options_.unix_socket_path.size() >= sizeof address.sun_path) {
      errno = ENAMETOOLONG;
      throw_errno("unix socket path " + options_.unix_socket_path);
    }
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw_errno("socket");
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, options_.unix_socket_path.c_str(),
                options_.unix_socket_path.size() + 1);
    ::unlink(options_.unix_socket_path.c_str());
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      const int error = errno;
      ::close(listen_fd_);
      errno = error;
      throw_errno("bind " + options_.unix_socket_path);
    }
  }
  if (::listen(listen_fd_, 64) != 0 || ::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(listen_fd_);
    errno = error;
    throw_errno("listen");
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

AgentStandIn::~AgentStandIn() { stop(); }

std::string AgentStandIn::url() const {
  if (!options_.unix_socket_path.empty()) return "unix://" + options_.unix_socket_path;
  return "http://127.0.0.1:" + std::to_string(port_);
}

void AgentStandIn::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    // Unblock every connection thread waiting in recv (idle keep-alive connections).
    for (auto& connection : connections_) {
      if (!connection.done) ::shutdown(connection.fd, SHUT_RDWR);
    }
  }
  changed_.notify_all();  // wakes delayed and hung replies
  const char byte = 0;
  [[maybe_unused]] const ssize_t ignored = ::write(wake_pipe_[1], &byte, 1);
  if (acceptor_.joinable()) acceptor_.join();
  // The acceptor has stopped, so the list no longer grows.
  for (auto& connection : connections_) {
    if (connection.thread.joinable()) connection.thread.join();
  }
  ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
  if (!options_.unix_socket_path.empty()) ::unlink(options_.unix_socket_path.c_str());
}

void AgentStandIn::accept_loop() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    const int ready = ::poll(fds, 2, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || (fds[1].revents & POLLIN) != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    reap_finished_connections();
    ++connections_accepted_;
    connections_.emplace_back();
    Connection* connection = &connections_.back();
    connection->fd = fd;
    connection->thread = std::thread([this, connection] { serve(connection); });
  }
}

void AgentStandIn::reap_finished_connections() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->done) {
      it->thread.join();  // it has finished (or is about to): no wait to speak of
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void AgentStandIn::serve(Connection* connection) {
  const int fd = connection->fd;
  std::string buffer;
  bool open = true;
  while (open) {
    std::size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (buffer.size() > kMaxHeader || !read_more(fd, buffer)) {
        open = false;
        break;
      }
    }
    if (!open) break;

    RecordedRequest request;
    const std::string head = buffer.substr(0, header_end);
    buffer.erase(0, header_end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const auto first_space = request_line.find(' ');
    const auto second_space = request_line.find(' ', first_space + 1);
    if (first_space == std::string::npos || second_space == std::string::npos) {
      send_response(fd, 400, "malformed request line", "text/plain");
      break;
    }
    request.method = request_line.substr(0, first_space);
    request.path = request_line.substr(first_space + 1, second_space - first_space - 1);
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line =
          head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      request.headers[lowercase(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    }

    if (request.headers.count("transfer-encoding") != 0) {
      // The agent protocol asks for a Content-Length; chunked bodies are refused.
      send_response(fd, 411, "a Content-Length is required", "text/plain");
      break;
    }
    std::size_t length = 0;
    if (auto it = request.headers.find("content-length"); it != request.headers.end()) {
      length = static_cast<std::size_t>(std::strtoull(it->second.c_str(), nullptr, 10));
    }
    if (length > kMaxBody) {
      send_response(fd, 413, "payload-too-large", "text/plain");
      break;
    }
    if (auto it = request.headers.find("expect");
        it != request.headers.end() && lowercase(it->second) == "100-continue") {
      send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (counts_from_header(request)) {
      // Only the payload's first bytes are needed; the rest is dropped as it arrives.
      const std::size_t head_size = std::min(length, kMaxArrayHeaderBytes);
      while (buffer.size() < head_size && open) open = read_more(fd, buffer);
      if (!open) break;
      const PayloadCount counted =
          count_traces_from_header(std::string_view(buffer).substr(0, head_size), length);
      const std::size_t buffered = std::min(buffer.size(), length);
      buffer.erase(0, buffered);
      if (!discard(fd, length - buffered, options_.unix_socket_path.empty())) break;
      const bool close_requested = lowercase(request.headers["connection"]) == "close";
      open = handle(fd, std::move(request), &counted, length) && !close_requested;
      continue;
    }
    if (buffer.size() >= length) {
      request.body.assign(buffer, 0, length);
      buffer.erase(0, length);
    } else {
      // The rest of a body (a trace payload of up to megabytes) is received straight into
      // its own string: through the buffer it was copied twice more, on the cores a load
      // test's service shares.
      request.body = std::move(buffer);
      buffer.clear();
      if (!read_rest(fd, request.body, length)) break;
    }

    const bool close_requested = lowercase(request.headers["connection"]) == "close";
    open = handle(fd, std::move(request)) && !close_requested;
  }

  std::lock_guard<std::mutex> lock(mutex_);
  // Closed under the lock so that stop() never shuts down a reused descriptor.
  ::close(fd);
  connection->done = true;
}

bool AgentStandIn::counts_from_header(const RecordedRequest& request) const {
  return !options_.decode_payloads && !options_.count_spans && request.path == "/v0.4/traces" &&
         (request.method == "PUT" || request.method == "POST");
}

bool AgentStandIn::handle(int fd, RecordedRequest request, const PayloadCount* counted_from_header,
                          std::size_t body_bytes) {
  if (request.method == "GET" && request.path == "/info") {
    const nlohmann::json info = {
        {"version", "gatetrace-agent-stand-in"},
        {"endpoints", {"/v0.4/traces", "/info"}},
        {"client_drop_p0s", false},
        {"config", {{"max_request_bytes", kMaxBody}}},
    };
    return send_response(fd, 200, info.dump());
  }
  if (request.path != "/v0.4/traces") {
    return send_response(fd, 404, "404 page not found", "text/plain");
  }
  if (request.method != "PUT" && request.method != "POST") {
    return send_response(fd, 405, "method not allowed", "text/plain");
  }

  PayloadCount counted;
  if (counted_from_header != nullptr) {
    counted = *counted_from_header;
    request.payload_decoded = counted.valid;
  } else if (options_.decode_payloads) {
    const std::vector<std::uint8_t> bytes(request.body.begin(), request.body.end());
    request.payload = nlohmann::json::from_msgpack(bytes, true, /*allow_exceptions=*/false);
    request.payload_decoded = !request.payload.is_discarded() && request.payload.is_array();
    if (!request.payload_decoded) request.payload = nullptr;
    if (request.payload_decoded) {
      counted = {true, request.payload.size(), count_spans(request.payload)};
    }
  } else {
    counted = count_payload(request.body);
    request.payload_decoded = counted.valid;
  }

  const Reply reply = next_reply();
  std::function<void(const RecordedRequest&)> callback;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    callback = on_request_;
  }
  if (callback) callback(request);
  {
    // Totals and the record change together, so a waiter woken by the totals finds
    // the request in requests() and traces().
    std::lock_guard<std::mutex> lock(mutex_);
    ++totals_.requests;
    totals_.bytes += counted_from_header != nullptr ? body_bytes : request.body.size();
    if (request.payload_decoded) {
      totals_.traces += counted.traces;
      totals_.spans += counted.spans;
    } else {
      ++totals_.undecodable;
    }
    if (options_.keep_requests) requests_.push_back(std::move(request));
  }
  changed_.notify_all();

  switch (reply.fault) {
    case Fault::kNone:
      break;
    case Fault::kDelay:
      if (!wait_unless_stopping(reply.delay)) return false;
      break;
    case Fault::kHang:
      wait_unless_stopping(std::chrono::hours(24 * 365));
      return false;
    case Fault::kCloseWithoutAnswer:
      return false;
    case Fault::kGarbageBody:
      return send_response(fd, 200, "\x01\xff this is not {json", "application/json");
    case Fault::kGarbageResponse:
      send_all(fd, "SMTP? \x01\x02\x03\r\n\r\n");
      return false;
  }
  if (reply.status >= 400) return send_response(fd, reply.status, reply.body, "text/plain");
  return send_response(fd, reply.status, reply.body);
}

Reply AgentStandIn::next_reply() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (replies_.empty()) return default_reply_;
  Reply reply = std::move(replies_.front());
  replies_.pop_front();
  return reply;
}

bool AgentStandIn::wait_unless_stopping(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !changed_.wait_for(lock, delay, [&] { return stopping_; });
}

void AgentStandIn::set_reply(Reply reply) {
  std::lock_guard<std::mutex> lock(mutex_);
  default_reply_ = std::move(reply);
}

void AgentStandIn::push_reply(Reply reply) {
  std::lock_guard<std::mutex> lock(mutex_);
  replies_.push_back(std::move(reply));
}

void AgentStandIn::set_on_request(std::function<void(const RecordedRequest&)> callback) {
  std::lock_guard<std::mutex> lock(mutex_);
  on_request_ = std::move(callback);
}

std::vector<RecordedRequest> AgentStandIn::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::vector<nlohmann::json> AgentStandIn::traces() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<nlohmann::json> chunks;
  for (const auto& request : requests_) {
    if (!request.payload_decoded) continue;
    for (const auto& chunk : request.payload) chunks.push_back(chunk);
  }
  return chunks;
}

StandInTotals AgentStandIn::totals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return totals_;
}

std::uint64_t AgentStandIn::connections_accepted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connections_accepted_;
}

bool AgentStandIn::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return totals_.requests >= count; });
}

bool AgentStandIn::wait_for_traces(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return totals_.traces >= count; });
}

}  // namespace gatetrace::standin
