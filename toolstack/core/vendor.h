// CPU vendors as named by CPUID leaf 0 (EBX, EDX, ECX spell the vendor id).
#pragma once

#include <cstdint>
#include <string>

namespace cpucompat {

enum class Vendor { intel, amd, hygon, centaur, shanghai, unknown };

// "GenuineIntel" etc. from the three leaf-0 registers: the 12 bytes as they
// are, printable or not.
std::string vendor_id_from_regs(uint32_t ebx, uint32_t ecx, uint32_t edx);
Vendor vendor_from_id(const std::string &vendor_id);
// Leaf-0 EBX/EDX/ECX of a 12-character vendor id; false if it is not 12 characters.
bool vendor_regs_from_id(const std::string &vendor_id, uint32_t &ebx, uint32_t &ecx, uint32_t &edx);
// 12 bytes, each printable ASCII (0x20..0x7e): what every real vendor id is,
// and what may be shown on a terminal or written into a log as it is.
bool printable_vendor_id(const std::string &vendor_id);
// Short lower-case name used in mode names and xenstore paths: "intel", "amd", ...
const char *vendor_short_name(Vendor v);

}  // namespace cpucompat
