#include "tools/serve/http_routes.h"

#include <sys/socket.h>

namespace sr::serve {

namespace {
// The query string's parameters alone: httplib adds a form-encoded body's fields to req.params,
// and a /session body is JSON whatever its content type says.
Params query_of(const httplib::Request& req) {
  Params q;
  const size_t at = req.target.find('?');
  if (at != std::string::npos) httplib::detail::parse_query_text(req.target.substr(at + 1), q);
  return q;
}

void send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  res.set_content(r.body, "application/json");
}
}  // namespace

void add_routes(httplib::Server& server, Service& service) {
  server.set_payload_max_length(kMaxBodyBytes);
  // A keep-alive connection holds a connection thread while it lasts. httplib closes one after 5
  // requests by default, and reconnecting clients queued for a thread again (p99 x3 under load);
  // after 100 requests or 2 s idle, so that a pool of --threads also serves more clients than that.
  server.set_keep_alive_max_count(100);
  server.set_keep_alive_timeout(2);
  // Before anything is read of a body: httplib checks its limit against Content-Length only, so a
  // chunked body, or one without a length (read until the client closes), could be any size.
  // Range headers are ignored (a reply is whole: httplib would cut the JSON).
  server.set_pre_routing_handler([&service](const httplib::Request& req, httplib::Response& res) {
    const_cast<httplib::Request&>(req).ranges.clear();  // the Request is httplib's own, not const
    const bool has_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "PRI" ||
                          (req.method == "DELETE" && req.has_header("Content-Length"));
    if (!has_body) return httplib::Server::HandlerResponse::Unhandled;
    if (req.has_header("Transfer-Encoding") || !req.has_header("Content-Length")) {
      send(res, service.refuse(411, "send the body with a Content-Length (chunked bodies are refused)"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;  // over the limit: httplib's 413
  });
  server.Get("/health", [&service](const httplib::Request&, httplib::Response& res) { send(res, service.health()); });
  server.Get("/recommend", [&service](const httplib::Request& req, httplib::Response& res) {
    send(res, service.recommend(req.params));
  });
  server.Post("/session", [&service](const httplib::Request& req, httplib::Response& res) {
    send(res, service.session(query_of(req), req.body));
  });
  server.Get("/similar", [&service](const httplib::Request& req, httplib::Response& res) {
    send(res, service.similar(req.params));
  });
  // What no handler took (an unknown path: 404; a known one by another method: 405) and what
  // httplib refused itself (413 for a body over the limit, 400 for a request it cannot parse) get a
  // JSON body too; the endpoints' own errors already have theirs.
  server.set_error_handler(httplib::Server::HandlerWithResponse([&service](const httplib::Request& req,
                                                                           httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 404) {
      const std::string allow = req.path == "/session"                                                        ? "POST"
                                : req.path == "/health" || req.path == "/recommend" || req.path == "/similar" ? "GET"
                                                                                                              : "";
      if (allow.empty()) {
        send(res, service.not_found(req.method, req.path));
      } else {
        send(res, service.refuse(405, req.path + " takes " + allow + ", not " + req.method));
        res.set_header("Allow", allow);
      }
      return httplib::Server::HandlerResponse::Handled;
    }
    const int status = res.status;
    service.count_refused();
    const char* what = status == 413   ? "the request body is over the limit"
                       : status == 414 ? "the request target is too long"
                       : status == 400 ? "a malformed HTTP request"
                                       : "the request failed";
    res.set_content(std::string("{\"error\":\"") + what + "\",\"status\":" + std::to_string(status) + "}",
                    "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler([&service](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {}
    send(res, service.failed(what));
  });
}

void Server::widen_backlog() {
  // listen() again on a listening socket sets its backlog (Linux).
  if (svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, SOMAXCONN);
}

}  // namespace sr::serve
