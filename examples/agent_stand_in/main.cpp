// gatetrace-agent-stand-in: listens where the Datadog Agent would and prints every trace
// it receives as a span tree, so a demo's traces can be read without an agent.
//
//   gatetrace-agent-stand-in [--port 8126] [--unix PATH] [--quiet | --discard [--count-spans]]
//
// --quiet prints one line per request instead of the trees; --discard keeps nothing and
// prints only the totals when stopped (SIGINT/SIGTERM), for load tests: it counts each
// payload's traces from its first bytes and drops the rest unread, so that its own cost
// does not weigh on the service it shares the cores with; --count-spans also walks every
// payload to count (and check) its spans.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>

#include <pthread.h>

#include "agent_stand_in/agent_stand_in.h"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: gatetrace-agent-stand-in [--port 8126] [--unix PATH] "
               "[--quiet|--discard [--count-spans]]\n");
}

}  // namespace

int main(int argc, char** argv) {
  gatetrace::standin::StandInOptions options;
  options.port = 8126;
  enum class Mode { kTrees, kQuiet, kDiscard } mode = Mode::kTrees;
  bool count_spans = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      char* end = nullptr;
      const long port = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) {
        usage();
        return 2;
      }
      options.port = static_cast<int>(port);
    } else if (arg == "--unix" && i + 1 < argc) {
      options.unix_socket_path = argv[++i];
    } else if (arg == "--quiet") {
      mode = Mode::kQuiet;
    } else if (arg == "--discard") {
      mode = Mode::kDiscard;
    } else if (arg == "--count-spans") {
      count_spans = true;
    } else {
      usage();
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  options.keep_requests = false;  // the program prints as it goes; memory stays flat
  // Discarding counts payloads without decoding them: a load test's stand-in shares the
  // cores with the service it measures.
  options.decode_payloads = mode != Mode::kDiscard;
  options.count_spans = mode != Mode::kDiscard || count_spans;

  // Block the stop signals in every thread; the main thread collects them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    gatetrace::standin::AgentStandIn agent(options);
    std::mutex output;
    if (mode != Mode::kDiscard) {
      agent.set_on_request([&output, mode](const gatetrace::standin::RecordedRequest& request) {
        std::lock_guard<std::mutex> lock(output);
        if (!request.payload_decoded) {
          std::cout << request.method << " " << request.path << ": undecodable body ("
                    << request.body.size() << " bytes)\n";
        } else if (mode == Mode::kQuiet) {
          std::size_t spans = 0;
          for (const auto& chunk : request.payload) spans += chunk.size();
          std::cout << request.method << " " << request.path << ": " << request.payload.size()
                    << " traces, " << spans << " spans, " << request.body.size() << " bytes\n";
        } else {
          for (const auto& chunk : request.payload) {
            std::cout << gatetrace::standin::render_trace_tree(chunk);
          }
        }
        std::cout.flush();
      });
    }
    std::cout << "gatetrace agent stand-in listening on " << agent.url() << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    agent.stop();
    const auto totals = agent.totals();
    std::cout << "received " << totals.requests << " requests, " << totals.traces << " traces, ";
    if (options.count_spans) {
      std::cout << totals.spans << " spans, " << totals.bytes << " bytes";
    } else {
      std::cout << totals.bytes << " bytes (spans not counted)";
    }
    if (totals.undecodable != 0) std::cout << ", " << totals.undecodable << " undecodable";
    std::cout << std::endl;
  } catch (const std::exception& error) {
    std::cerr << "gatetrace-agent-stand-in: " << error.what() << std::endl;
    return 1;
  }
  return 0;
}
