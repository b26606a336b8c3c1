#include "cpuid_tool.h"

#include "std_regex.h"

#include "line_reader.h"

namespace cpucompat {

namespace {
const std::regex kLeafRe(R"(^\s*0x([0-9a-fA-F]{8}) 0x([0-9a-fA-F]{2,8}): eax=0x([0-9a-fA-F]{8}) ebx=0x([0-9a-fA-F]{8}) ecx=0x([0-9a-fA-F]{8}) edx=0x([0-9a-fA-F]{8})\s*$)");
const std::regex kCpuRe(R"(^CPU( [0-9]+)?:\s*$)");
}  // namespace

bool looks_like_cpuid_tool(const std::string &text) {
    static const std::regex re(R"((^|\n)\s+0x00000000 0x00: eax=0x)");
    return std::regex_search(text, re);
}

Policy parse_cpuid_tool(const InputText &in) {
    LineReader r(in);
    Leaves leaves;
    int cpus = 0;
    std::string_view sv;
    while (r.next(sv)) {
        const std::string line(sv);
        std::smatch m;
        if (trim(sv).empty()) continue;
        if (std::regex_match(line, m, kCpuRe)) {
            if (++cpus > 1) break;  // CPU 0 only
            continue;
        }
        if (!std::regex_match(line, m, kLeafRe)) r.fail("unrecognised line in cpuid -r output: \"" + std::string(trim(sv).substr(0, 60)) + "\"");
        const uint32_t leaf = hex32(m[1]);
        // cpuid(1) prints subleaf 0x00 for every leaf; find_leaf() treats
        // subleaf 0 and "no subleaf" alike.
        leaves[LeafKey{leaf, hex32(m[2])}] = Regs{hex32(m[3]), hex32(m[4]), hex32(m[5]), hex32(m[6])};
    }
    if (leaves.empty()) throw Error(in.name, 0, "no CPUID leaves in cpuid -r output");
    try {
        return policy_from_leaves(std::move(leaves), {});
    } catch (const Error &e) {
        throw Error(in.name, 0, e.message());
    }
}

}  // namespace cpucompat
