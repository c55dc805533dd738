// _sparserec: the engine under `import sparserec` (python/sparserec/__init__.py is the API users
// read). Commands run in-process through the command line's own app (tools/cli/app.h): the same
// option checks, defaults, training and results as `sparserec COMMAND ...`, each result line a
// dict. sr::Error is sparserec.Error, a refused option sparserec.OptionError (also a ValueError),
// with the message the CLI prints.
#include <pybind11/stl.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "kernels/error.h"
#include "models/registry.h"
#include "python/bindings/bindings.h"
#include "tools/cli/app.h"
#include "tools/cli/output.h"

namespace py = pybind11;

namespace sr::python {

py::object from_json(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

namespace {

PyObject* option_error = nullptr;  // sparserec.OptionError

// Runs `sparserec ARGS...` (the command first) and returns its result lines, in order.
py::list run(const std::vector<std::string>& args) {
  // Two commands stay with the program: `tune` runs its trials as sparserec processes (this
  // process is python), `serve` takes over the process's signals until it is stopped.
  if (!args.empty() && (args[0] == "tune" || args[0] == "serve"))
    throw error("'", args[0], "' runs as the sparserec program (`sparserec ", args[0],
                " ...`), not in a Python process");
  static std::mutex one_at_a_time;  // the result sink is the process's
  std::vector<std::string> lines;
  std::string refused, help_text;
  {
    py::gil_scoped_release release;  // a training run holds no Python state
    std::lock_guard<std::mutex> lock(one_at_a_time);
    const std::unique_ptr<CLI::App> app = cli::make_app();
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
    cli::set_result_sink([&lines](const nlohmann::json& j) { lines.push_back(j.dump()); });
    try {
      app->parse(reversed);
    } catch (const CLI::CallForHelp&) {  // help=True: the help text, as the program prints it
      help_text = app->get_subcommands().empty() ? app->help() : app->get_subcommands().front()->help();
    } catch (const CLI::CallForAllHelp&) {
      help_text = app->help("", CLI::AppFormatMode::All);
    } catch (const CLI::ParseError& e) {
      refused = e.what();
    } catch (...) {
      cli::set_result_sink({});
      throw;
    }
    cli::set_result_sink({});
  }
  if (!refused.empty()) {
    PyErr_SetString(option_error, refused.c_str());
    throw py::error_already_set();
  }
  if (!help_text.empty()) py::print(help_text);
  py::list out;
  for (const std::string& line : lines) out.append(from_json(line));
  return out;
}

// The --help text of a command (or of the program, for "").
std::string help(const std::string& command) {
  const std::unique_ptr<CLI::App> app = cli::make_app();
  if (command.empty()) return app->help();
  for (CLI::App* sub : app->get_subcommands({}))
    if (sub->get_name() == command) return sub->help();
  throw error("unknown command '", command, "'");
}

}  // namespace
}  // namespace sr::python

PYBIND11_MODULE(_sparserec, m) {
  m.doc() = "sparserec's engine; use the sparserec package";
  py::object error = py::register_exception<sr::Error>(m, "Error", PyExc_RuntimeError);
  py::tuple bases = py::make_tuple(error, py::handle(PyExc_ValueError));
  sr::python::option_error = PyErr_NewException("sparserec.OptionError", bases.ptr(), nullptr);
  m.attr("OptionError") = py::handle(sr::python::option_error);
  m.def("run", &sr::python::run, py::arg("args"),
        "Runs `sparserec ARGS...` in this process; returns its result lines as dicts.");
  m.def("help", &sr::python::help, py::arg("command") = "", "The --help text of a command.");
  m.def("models", &sr::describe_models, "The models by task, with their options and defaults.");
  sr::python::bind_dataset(m);
  sr::python::bind_model(m);
}
