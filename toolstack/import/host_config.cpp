#include "host_config.h"

#include <fnmatch.h>

#include "yaml_input.h"

#include "../core/error.h"
#include "../core/guest.h"
#include "../core/text.h"

namespace cpucompat {

HostConfig parse_host_config(const InputText &in) {
    const YAML::Node root = load_yaml(in);
    HostConfig c;
    if (root.IsNull()) return c;
    if (!root.IsMap()) throw Error(in.name, yaml_line(root), "expected a map of settings (default: MODE)");
    for (const auto &kv : root) {
        const std::string key = kv.first.Scalar();
        if (key == "default") {
            if (!kv.second.IsScalar()) throw Error(in.name, yaml_line(kv.second), "default: expected a mode such as vendor or level:x86-64-v2");
            c.default_mode = kv.second.Scalar();
        } else if (key == "guests") {
            if (!kv.second.IsSequence())
                throw Error(in.name, yaml_line(kv.second), "guests: expected a list of {match: PATTERN, guest: NAME}");
            for (const auto &item : kv.second) {
                const auto where = yaml_line(item);
                if (!item.IsMap() || item.size() != 2 || !item["match"] || !item["guest"] || !item["match"].IsScalar() ||
                    !item["guest"].IsScalar())
                    throw Error(in.name, where, "guests: each entry is {match: PATTERN, guest: NAME}");
                GuestDefault g{item["match"].Scalar(), item["guest"].Scalar()};
                if (g.match.empty() || g.match.size() > 256 || g.match.find('\0') != std::string::npos)
                    throw Error(in.name, where, "guests: match: a pattern of 1..256 characters");
                if (!plain_guest_name(g.guest))
                    throw Error(in.name, where, "guests: " + quote_text(g.guest) + " is not a guest name (cpucompat guests lists them)");
                c.guests.push_back(std::move(g));
            }
        } else {
            throw Error(in.name, yaml_line(kv.first), "unknown key " + quote_text(key) + " (known: default, guests)");
        }
    }
    return c;
}

std::optional<std::string> default_guest(const HostConfig &c, const std::string &name) {
    for (const auto &g : c.guests)
        if (fnmatch(g.match.c_str(), name.c_str(), 0) == 0) return g.guest;
    return std::nullopt;
}

}  // namespace cpucompat
