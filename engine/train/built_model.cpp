#include "engine/train/built_model.h"

#include "kernels/error.h"

namespace sr {

const char* task_name(Task t) {
  switch (t) {
    case Task::ratings:
      return "rating";
    case Task::topn:
      return "top-N";
    default:
      return "session";
  }
}

Task parse_task(const std::string& name) {
  for (Task t : {Task::ratings, Task::topn, Task::sessions})
    if (name == task_name(t)) return t;
  throw error("unknown task '", name, "' (rating, top-N or session)");
}

const char* task_command(Task t) {
  switch (t) {
    case Task::ratings:
      return "train";
    case Task::topn:
      return "topn";
    default:
      return "session";
  }
}

}  // namespace sr
