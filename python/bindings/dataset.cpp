// sparserec.Dataset: a dataset's CSR arrays as read-only numpy arrays that view its storage (the
// memory map of a binary dataset file, or the arrays of a text import) without a copy; the
// Python object keeps that storage alive while any of its arrays does.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <span>

#include "engine/data/dataset.h"
#include "engine/data/text_import.h"
#include "python/bindings/bindings.h"
#include "tools/cli/args.h"

namespace py = pybind11;

namespace sr::python {
namespace {

// A read-only 1-D view of `values`, owned by `owner`.
template <typename T>
py::array view(std::span<const T> values, py::handle owner) {
  py::array_t<T> a({static_cast<py::ssize_t>(values.size())}, {static_cast<py::ssize_t>(sizeof(T))}, values.data(),
                   owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

template <typename T>
auto array_of(std::span<const T> (Dataset::*get)() const) {
  return [get](py::object self) { return view((self.cast<const Dataset&>().*get)(), self); };
}

// The paths read as the CLI's --data reads them (a binary dataset file, or text in a layout).
Dataset load(const std::vector<std::string>& paths, const std::string& layout, const std::string& columns,
             const std::string& separator, const std::string& duplicates) {
  cli::ImportArgs a;
  a.paths = paths, a.layout = layout, a.columns = columns, a.separator = separator, a.duplicates = duplicates;
  a.check();
  py::gil_scoped_release release;
  return open_dataset(a.paths, a.options());
}

}  // namespace

void bind_dataset(py::module_& m) {
  py::class_<Dataset>(m, "Dataset",
                      "Interactions by user (a session is a user) as CSR: row_ptr, items (dense item indices, in "
                      "time order within a row), ratings (empty for clicks), times (ms; empty without), and the "
                      "ids of the input for each dense user and item index.")
      .def_property_readonly("row_ptr", array_of(&Dataset::row_ptr))
      .def_property_readonly("items", array_of(&Dataset::items))
      .def_property_readonly("ratings", array_of(&Dataset::ratings))
      .def_property_readonly("times", array_of(&Dataset::times))
      .def_property_readonly("user_ids", array_of(&Dataset::user_ids))
      .def_property_readonly("item_ids", array_of(&Dataset::item_ids))
      .def_property_readonly("n_users", &Dataset::n_users)
      .def_property_readonly("n_items", &Dataset::n_items)
      .def_property_readonly("n_events", &Dataset::n_events)
      .def_property_readonly("feedback", [](const Dataset& d) { return std::string(feedback_name(d.info().feedback)); })
      .def_property_readonly("layout", [](const Dataset& d) { return d.info().layout; })
      .def_property_readonly("source", [](const Dataset& d) { return d.info().source; })
      .def_property_readonly("rating_range",
                             [](const Dataset& d) {
                               return std::pair{d.info().rating_min, d.info().rating_max};
                             })
      .def("describe", &describe_dataset, "Shape, density and rating histogram, as `sparserec info` prints them.")
      .def("__repr__", [](const Dataset& d) {
        return "<sparserec.Dataset " + d.info().layout + ": " + std::to_string(d.n_users()) + " users, " +
               std::to_string(d.n_items()) + " items, " + std::to_string(d.n_events()) + " " +
               feedback_name(d.info().feedback) + ">";
      });
  m.def("load_dataset", &load, py::arg("paths"), py::arg("layout") = "auto", py::arg("columns") = "",
        py::arg("separator") = "", py::arg("duplicates") = "",
        "Reads a dataset as --data does: a binary file of `sparserec import`, or text files in a layout.");
}

}  // namespace sr::python
