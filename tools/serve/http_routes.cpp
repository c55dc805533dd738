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
  // httplib closes a keep-alive connection after 5 requests by default: a client then reconnects
  // and queues for a connection thread again, which tripled the p99 under load.
  server.set_keep_alive_max_count(1000000);
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
  // What no handler took (an unknown path or method) and what httplib refused itself (413 for a
  // body over the limit, 400 for a request it cannot parse) get a JSON body too.
  // What no handler took (an unknown path or method) and what httplib refused itself (413 for a
  // body over the limit, 400 for a request it cannot parse) get a JSON body too; the endpoints'
  // own errors already have theirs.
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([&service](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        if (res.status == 404) {
          send(res, service.not_found(req.method, req.path));
          return httplib::Server::HandlerResponse::Handled;
        }
        const int status = res.status;
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
