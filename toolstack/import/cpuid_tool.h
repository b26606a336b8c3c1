// Importer for `cpuid -r` output of Debian's cpuid tool:
//   CPU 0:
//      0x00000007 0x00: eax=0x00000000 ebx=0x... ecx=0x... edx=0x...
// Multi-CPU output: CPU 0 only (`cpuid -r -1` prints a single "CPU:").
#pragma once

#include <string>

#include "../core/policy.h"
#include "input_file.h"

namespace cpucompat {

bool looks_like_cpuid_tool(const std::string &text);
Policy parse_cpuid_tool(const InputText &in);

}  // namespace cpucompat
