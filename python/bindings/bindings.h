// The parts of the _sparserec module (python/bindings), each binding one side of the engine.
#pragma once

#include <pybind11/pybind11.h>

namespace sr::python {

void bind_dataset(pybind11::module_& m);  // Dataset, load_dataset: the arrays as numpy views
void bind_model(pybind11::module_& m);    // Model: a saved model's recommendations, vectors, weights

// A Python object from JSON text (the json module's reading: what the CLI prints is what Python sees).
pybind11::object from_json(const std::string& text);

}  // namespace sr::python
