#include "host_config.h"

#include <yaml-cpp/yaml.h>

#include "../core/error.h"

namespace cpucompat {

HostConfig parse_host_config(const InputText &in) {
    YAML::Node root;
    try {
        root = YAML::Load(in.text);
    } catch (const YAML::Exception &e) {
        throw Error(in.name, e.mark.line >= 0 ? static_cast<unsigned>(e.mark.line) + 1 : 0, "invalid YAML: " + e.msg);
    }
    HostConfig c;
    if (root.IsNull()) return c;
    auto line = [](const YAML::Node &n) { return n.Mark().line >= 0 ? static_cast<unsigned>(n.Mark().line) + 1 : 0u; };
    if (!root.IsMap()) throw Error(in.name, line(root), "expected a map of settings (default: MODE)");
    for (const auto &kv : root) {
        const std::string key = kv.first.Scalar();
        if (key != "default") throw Error(in.name, line(kv.first), "unknown key \"" + key + "\" (known: default)");
        if (!kv.second.IsScalar()) throw Error(in.name, line(kv.second), "default: expected a mode such as vendor or level:x86-64-v2");
        c.default_mode = kv.second.Scalar();
    }
    return c;
}

}  // namespace cpucompat
