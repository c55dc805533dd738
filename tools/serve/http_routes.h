// The HTTP face of a Service (service.h) on a cpp-httplib server: its endpoints, JSON errors for
// unknown paths and for exceptions, and limits on what a client may send.
#pragma once

#include <httplib.h>

#include "tools/serve/service.h"

namespace sr::serve {

constexpr size_t kMaxBodyBytes = 1 << 20;  // a /session body: far more than any click sequence

void add_routes(httplib::Server& server, Service& service);

// A cpp-httplib server whose listening socket takes a full backlog: Debian's library is built
// with a backlog of 5, so at 64 clients connecting at once the rest's SYNs were dropped and retried
// a second later (p99 latencies of 1.2 s). Call widen_backlog() after binding.
class Server : public httplib::Server {
 public:
  void widen_backlog();
};

}  // namespace sr::serve
