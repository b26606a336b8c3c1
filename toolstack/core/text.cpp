#include "text.h"

#include <cctype>
#include <cstdio>

namespace cpucompat {

std::string fold_name(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) out += (c == ' ' || c == '_') ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string hex(uint64_t v, int digits) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace cpucompat
