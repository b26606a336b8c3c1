#include "cpuid_tool.h"

#include "std_regex.h"

#include "../core/text.h"
#include "line_reader.h"
#include "raw_dump.h"

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
            ++cpus;
            continue;
        }
        // Every line is read and must parse, also those of the other CPUs;
        // only CPU 0's are kept.
        if (!std::regex_match(line, m, kLeafRe)) r.fail("unrecognised line in cpuid -r output: " + quote_text(trim(sv)));
        if (cpus > 1) continue;
        const uint32_t leaf = hex32(m[1]), subleaf = hex32(m[2]);
        if (!plausible_subleaf(subleaf)) r.fail("subleaf " + m[2].str() + " out of range");
        // cpuid(1) prints subleaf 0x00 for every leaf; find_leaf() treats
        // subleaf 0 and "no subleaf" alike.
        if (!leaves.emplace(LeafKey{leaf, subleaf}, Regs{hex32(m[3]), hex32(m[4]), hex32(m[5]), hex32(m[6])}).second)
            r.fail("leaf " + m[1].str() + " subleaf " + m[2].str() + " appears twice for CPU 0");
    }
    if (leaves.empty()) throw Error(in.name, 0, "no CPUID leaves in cpuid -r output");
    return policy_from_raw_dump(std::move(leaves), {}, in.name);
}

}  // namespace cpucompat
