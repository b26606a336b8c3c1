#include "host_config.h"

#include "yaml_input.h"

#include "../core/error.h"
#include "../core/text.h"

namespace cpucompat {

HostConfig parse_host_config(const InputText &in) {
    const YAML::Node root = load_yaml(in);
    HostConfig c;
    if (root.IsNull()) return c;
    if (!root.IsMap()) throw Error(in.name, yaml_line(root), "expected a map of settings (default: MODE)");
    for (const auto &kv : root) {
        const std::string key = kv.first.Scalar();
        if (key != "default") throw Error(in.name, yaml_line(kv.first), "unknown key " + quote_text(key) + " (known: default)");
        if (!kv.second.IsScalar()) throw Error(in.name, yaml_line(kv.second), "default: expected a mode such as vendor or level:x86-64-v2");
        c.default_mode = kv.second.Scalar();
    }
    return c;
}

}  // namespace cpucompat
