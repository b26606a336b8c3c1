// Loading a YAML input with errors that name the file and line: the one way
// every YAML reader (templates, fingerprints, cpucompat.yaml) starts.
#pragma once

#include <yaml-cpp/yaml.h>

#include "../core/error.h"
#include "input_file.h"

namespace cpucompat {

// 1-based line of a node; 0 when yaml-cpp does not know it.
inline unsigned yaml_line(const YAML::Node &n) { return n.Mark().line >= 0 ? static_cast<unsigned>(n.Mark().line) + 1 : 0; }

// Throws Error "FILE:LINE: invalid YAML: ..." on a syntax error.
inline YAML::Node load_yaml(const InputText &in) {
    try {
        return YAML::Load(in.text);
    } catch (const YAML::Exception &e) {
        throw Error(in.name, e.mark.line >= 0 ? static_cast<unsigned>(e.mark.line) + 1 : 0, "invalid YAML: " + e.msg);
    }
}

}  // namespace cpucompat
