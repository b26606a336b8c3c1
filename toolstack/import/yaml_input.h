// Loading a YAML input with errors that name the file and line: the one way
// every YAML reader (templates, fingerprints, cpucompat.yaml) starts.
#pragma once

#include <yaml-cpp/yaml.h>

#include "../core/error.h"
#include "../core/featureset.h"
#include "input_file.h"

namespace cpucompat {

// 1-based line of a node; 0 when yaml-cpp does not know it.
inline unsigned yaml_line(const YAML::Node &n) { return n.Mark().line >= 0 ? static_cast<unsigned>(n.Mark().line) + 1 : 0; }

// The one document of a YAML input. Throws Error "FILE:LINE: ..." on a
// syntax error, on text over kMaxStructuredBytes (yaml-cpp holds ~60 bytes
// of memory per input byte), on more than one document, on a key given
// twice in one mapping (yaml-cpp would keep the first silently), on a
// non-scalar key, and on nesting or alias expansion beyond what any of the
// project's YAML files can hold.
YAML::Node load_yaml(const InputText &in);

// A scalar's text, refused (Error naming the line and `key`) when it holds
// control characters or invalid UTF-8: descriptions, sources, notes.
std::string yaml_clean_text(const InputText &in, const YAML::Node &scalar, const std::string &key);

// A YAML list of Xen feature names under `key`. Throws Error naming the line
// of an item that is not a known feature name, or one listed twice.
Featureset yaml_feature_list(const InputText &in, const YAML::Node &n, const char *key);

}  // namespace cpucompat
