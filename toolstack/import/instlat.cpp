#include "instlat.h"

#include "std_regex.h"
#include <set>

#include "../core/text.h"
#include "line_reader.h"
#include "raw_dump.h"

namespace cpucompat {

namespace {

const std::regex kCpuidRe(R"(^CPUID ([0-9A-Fa-f]{8}):?\s+([0-9A-Fa-f]{8})-([0-9A-Fa-f]{8})-([0-9A-Fa-f]{8})-([0-9A-Fa-f]{8})(?:\s+\[SL ([0-9A-Fa-f]{1,8})\])?.*$)");
const std::regex kMsrRe(R"(^MSR ([0-9A-Fa-f]{8}): ([0-9A-Fa-f]{4})-([0-9A-Fa-f]{4})-([0-9A-Fa-f]{4})-([0-9A-Fa-f]{4}).*$)");
// Lines that are records by their start: "CPUID " or "MSR " and a hex
// number. Each must then parse in full; a summary line such as
// "CPUID Manufacturer : ..." is not one.
const std::regex kLeafLikeRe(R"(^CPUID [0-9A-Fa-f]+(:|\s|$))");
const std::regex kMsrLikeRe(R"(^MSR [0-9A-Fa-f]+(:|\s|$))");
const std::regex kMsrFailedRe(R"(^MSR [0-9A-Fa-f]{8}:\s*<\s*FAILED\s*>\s*$)");
const std::regex kCpuHeaderRe(R"(Logical CPU #([0-9]+))");

// Leaves whose subleaves old dumps list as repeated, unmarked lines.
bool has_subleaves(uint32_t leaf) {
    static const std::set<uint32_t> s{0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1d, 0x1e, 0x1f, 0x20,
                                      0x23, 0x24, 0x8000001d, 0x80000020, 0x80000026};
    return s.count(leaf) != 0;
}


}  // namespace

bool looks_like_instlat(const std::string &text) {
    static const std::regex re(R"((^|\n)CPUID 00000000:?\s+[0-9A-Fa-f]{8}-)");
    return std::regex_search(text, re);
}

Policy parse_instlat(const InputText &in) {
    LineReader r(in);
    Leaves leaves;
    Msrs msrs;
    std::map<uint32_t, uint32_t> repeats;  // unmarked subleaf counters
    bool in_cpu0 = true;                    // until a header says otherwise
    bool seen_leaf0 = false, done = false;
    std::string_view sv;
    while (r.next(sv)) {
        const std::string line(trim(sv));
        std::smatch m;
        if (std::regex_search(line, m, kCpuHeaderRe) && line.rfind("---", 0) == 0) {
            const bool cpu0 = m[1].str() == "0" || m[1].str() == "00";
            if (!cpu0 && seen_leaf0) done = true;  // CPU #0's block has ended
            in_cpu0 = cpu0;
            continue;
        }
        if (std::regex_search(line, kMsrLikeRe)) {
            if (std::regex_match(line, kMsrFailedRe)) continue;  // the tool could not read it
            if (!std::regex_match(line, m, kMsrRe)) r.fail("malformed MSR line: " + quote_text(line));
            const uint32_t idx = hex32(m[1]);
            // MSRs are listed once per dump, often after the CPUID blocks.
            if (idx == kMsrArchCaps && !msrs.count(idx))
                msrs[idx] = std::stoull(m[2].str() + m[3].str() + m[4].str() + m[5].str(), nullptr, 16);
            continue;
        }
        if (!std::regex_search(line, kLeafLikeRe)) continue;
        if (!std::regex_match(line, m, kCpuidRe)) r.fail("malformed CPUID line: " + quote_text(line));
        if (done || !in_cpu0) continue;
        const uint32_t leaf = hex32(m[1]);
        if (leaf == 0 && seen_leaf0) {  // unheaded multi-CPU file: the next CPU starts
            done = true;
            continue;
        }
        seen_leaf0 |= leaf == 0;
        uint32_t subleaf = kNoSubleaf;
        if (m[6].matched) subleaf = hex32(m[6]);
        else if (has_subleaves(leaf)) subleaf = repeats[leaf]++;
        if (!plausible_subleaf(subleaf)) r.fail("subleaf " + hex(subleaf) + " out of range");
        const Regs regs{hex32(m[2]), hex32(m[3]), hex32(m[4]), hex32(m[5])};
        const auto [it, fresh] = leaves.emplace(LeafKey{leaf, subleaf}, regs);
        // Leaf 2 may repeat on old CPUs (its AL counts the calls needed).
        if (!fresh && !(it->second == regs) && leaf != 2)
            r.fail("CPUID " + m[1].str() + (subleaf == kNoSubleaf ? "" : " subleaf " + std::to_string(subleaf)) +
                   " is listed twice with different values");
    }
    if (!seen_leaf0) throw Error(in.name, 0, "no \"CPUID 00000000:\" line for logical CPU #0");
    return policy_from_raw_dump(std::move(leaves), std::move(msrs), in.name);
}

}  // namespace cpucompat
