#include "vendor.h"

#include <cstring>

namespace cpucompat {

std::string vendor_id_from_regs(uint32_t ebx, uint32_t ecx, uint32_t edx) {
    char s[12];
    std::memcpy(s, &ebx, 4);
    std::memcpy(s + 4, &edx, 4);
    std::memcpy(s + 8, &ecx, 4);
    // As the CPU says it; printable_vendor_id() tells whether it may be
    // shown, and importers refuse one that is not.
    return std::string(s, sizeof s);
}

bool vendor_regs_from_id(const std::string &id, uint32_t &ebx, uint32_t &ecx, uint32_t &edx) {
    if (id.size() != 12) return false;
    std::memcpy(&ebx, id.data(), 4);
    std::memcpy(&edx, id.data() + 4, 4);
    std::memcpy(&ecx, id.data() + 8, 4);
    return true;
}

Vendor vendor_from_id(const std::string &id) {
    if (id == "GenuineIntel") return Vendor::intel;
    if (id == "AuthenticAMD") return Vendor::amd;
    if (id == "HygonGenuine") return Vendor::hygon;
    if (id == "CentaurHauls") return Vendor::centaur;
    if (id == "  Shanghai  ") return Vendor::shanghai;
    return Vendor::unknown;
}

const char *vendor_short_name(Vendor v) {
    switch (v) {
    case Vendor::intel: return "intel";
    case Vendor::amd: return "amd";
    case Vendor::hygon: return "hygon";
    case Vendor::centaur: return "centaur";
    case Vendor::shanghai: return "shanghai";
    case Vendor::unknown: break;
    }
    return "unknown";
}

bool printable_vendor_id(const std::string &vendor_id) {
    if (vendor_id.size() != 12) return false;
    for (char c : vendor_id)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

}  // namespace cpucompat
