#include "xen_cpuid_policy.h"

#include <cctype>
#include "std_regex.h"

#include "../core/text.h"
#include "line_reader.h"

namespace cpucompat {

namespace {

const std::regex kSectionRe(R"(^(.+) policy: ([0-9]+) leaves, ([0-9]+) MSRs$)");
const std::regex kLeafRe(R"(^\s*([0-9a-fA-F]{8}):([0-9a-fA-F]{8}) -> ([0-9a-fA-F]{8}):([0-9a-fA-F]{8}):([0-9a-fA-F]{8}):([0-9a-fA-F]{8})\s*$)");
const std::regex kMsrRe(R"(^\s*([0-9a-fA-F]{8}) -> ([0-9a-fA-F]{16})\s*$)");


struct Section {
    std::string name;
    unsigned line;
    Leaves leaves;
    Msrs msrs;
};

}  // namespace

bool looks_like_xen_cpuid_policy(const std::string &text) {
    return text.find(" policy: ") != std::string::npos && text.find(" leaves, ") != std::string::npos;
}

std::vector<NamedPolicy> parse_xen_cpuid_policies(const InputText &in) {
    LineReader r(in);
    std::vector<Section> sections;
    std::string_view sv;
    while (r.next(sv)) {
        const std::string line(sv);
        const std::string_view t = trim(sv);
        std::smatch m;
        if (t.empty() || t == "CPUID:" || t == "MSRs:" || t.rfind("leaf ", 0) == 0 || t.rfind("index ", 0) == 0 ||
            t.rfind("Xen reports there are", 0) == 0 || line.find(" policy not supported by Xen") != std::string::npos)
            continue;
        if (std::regex_match(line, m, kSectionRe)) {
            sections.push_back({m[1].str(), r.number(), {}, {}});
        } else if (std::regex_match(line, m, kLeafRe)) {
            if (sections.empty()) r.fail("CPUID line before any \"<name> policy:\" header");
            const LeafKey key{hex32(m[1]), hex32(m[2])};
            if (!sections.back().leaves.emplace(key, Regs{hex32(m[3]), hex32(m[4]), hex32(m[5]), hex32(m[6])}).second)
                r.fail("leaf " + m[1].str() + ":" + m[2].str() + " appears twice in policy \"" + sections.back().name + "\"");
        } else if (std::regex_match(line, m, kMsrRe)) {
            if (sections.empty()) r.fail("MSR line before any \"<name> policy:\" header");
            sections.back().msrs[hex32(m[1])] = std::stoull(m[2].str(), nullptr, 16);
        } else {
            r.fail("unrecognised line in xen-cpuid -p output: \"" + std::string(t.substr(0, 60)) + "\"");
        }
    }
    if (sections.empty()) throw Error(in.name, 0, "no \"<name> policy:\" section in xen-cpuid -p output");
    std::vector<NamedPolicy> out;
    for (auto &s : sections) {
        if (s.leaves.empty()) {
            out.push_back({s.name, {}, true});
            continue;
        }
        try {
            out.push_back({s.name, policy_from_leaves(std::move(s.leaves), std::move(s.msrs))});
        } catch (const Error &e) {
            throw Error(in.name, s.line, "policy \"" + s.name + "\": " + e.message());
        }
    }
    return out;
}

const NamedPolicy &select_policy(const std::vector<NamedPolicy> &all, const std::string &selector, const std::string &file) {
    if (fold_name(selector) == "max") {
        for (const char *pref : {"hvm-max", "pv-max"})
            for (const auto &p : all)
                if (fold_name(p.name) == pref && !p.empty) return p;
        return select_policy(all, "", file);
    }
    const std::string want = fold_name(selector.empty() ? "Host" : selector);
    for (const auto &p : all) {
        if (fold_name(p.name) != want) continue;
        if (!p.empty) return p;
        if (!selector.empty())
            throw Error(file, 0, "policy \"" + p.name + "\" is empty: Xen offers no such guests on that host");
    }
    if (selector.empty()) {  // no Host section: the first one that is not empty
        for (const auto &p : all)
            if (!p.empty) return p;
        throw Error(file, 0, "every policy in the xen-cpuid output is empty");
    }
    std::string names;
    for (const auto &p : all) names += (names.empty() ? "" : ", ") + fold_name(p.name);
    throw Error(file, 0, "no policy \"" + selector + "\" in xen-cpuid output; it has: " + names);
}

}  // namespace cpucompat
