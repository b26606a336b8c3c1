// /etc/xen/cpucompat.yaml: this host's cpucompat settings.
//
//   default: level:x86-64-v2   # cpu_compat of domains whose config and
//                              # xl.conf name none (default: off)
//   guests:                    # cpu_compat_guest of domains whose config
//     - match: "win11-*"       # names none: the first entry whose fnmatch(3)
//       guest: windows-11-24h2 # pattern matches the domain's name
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "input_file.h"

namespace cpucompat {

inline constexpr const char *kHostConfigPath = "/etc/xen/cpucompat.yaml";

struct GuestDefault {
    std::string match;  // fnmatch(3) pattern on the domain name
    std::string guest;  // a plain guest name (checked against the table when used)
};

struct HostConfig {
    std::optional<std::string> default_mode;  // checked as a mode by choose_mode()
    std::vector<GuestDefault> guests;
};

// Throws Error with file and line on bad YAML or unknown keys. An empty
// file is an empty config.
HostConfig parse_host_config(const InputText &in);

// The guest of domain `name` by the first `guests:` entry that matches it.
std::optional<std::string> default_guest(const HostConfig &c, const std::string &name);

}  // namespace cpucompat
