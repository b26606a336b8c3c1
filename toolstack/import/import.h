// One entry point for every importable format, chosen by content:
// project fingerprint (JSON or YAML), `xen-cpuid -p`, InstLatx64 dump,
// `cpuid -r`. The live host is imported by the libxc adapter instead.
#pragma once

#include <string>

#include "../core/policy.h"
#include "input_file.h"

namespace cpucompat {

enum class InputFormat { fingerprint_json, fingerprint_yaml, xen_cpuid, instlat, cpuid_tool };

const char *format_name(InputFormat f);
InputFormat detect_format(const std::string &text);

// xen_cpuid_policy: which policy of a `xen-cpuid -p` file (see
// select_policy()); ignored for other formats.
Policy import_policy(const InputText &in, const std::string &xen_cpuid_policy = "");
// read_input_file() + import_policy().
Policy import_policy_file(const std::string &path, const std::string &xen_cpuid_policy = "");

}  // namespace cpucompat
