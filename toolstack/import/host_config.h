// /etc/xen/cpucompat.yaml: this host's cpucompat settings.
//
//   default: level:x86-64-v2   # cpu_compat of domains whose config and
//                              # xl.conf name none (default: off)
#pragma once

#include <optional>
#include <string>

#include "input_file.h"

namespace cpucompat {

inline constexpr const char *kHostConfigPath = "/etc/xen/cpucompat.yaml";

struct HostConfig {
    std::optional<std::string> default_mode;  // checked as a mode by choose_mode()
};

// Throws Error with file and line on bad YAML or unknown keys. An empty
// file is an empty config.
HostConfig parse_host_config(const InputText &in);

}  // namespace cpucompat
