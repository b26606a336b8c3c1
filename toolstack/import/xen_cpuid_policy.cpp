#include "xen_cpuid_policy.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include "std_regex.h"

#include "../core/compare.h"
#include "../core/text.h"
#include "line_reader.h"

namespace cpucompat {

namespace {

// xen-cpuid 4.17 (tools/misc/xen-cpuid.c, print_policy): an optional
// "Xen reports ..." line (system policies only), then per policy a header
// with the number of leaves and MSRs in Xen's buffer, " CPUID:", a column
// header, the leaves that are not all zero, " MSRs:", a column header and
// every MSR. Counts are at most 9 digits so they cannot overflow.
const std::regex kReportRe(R"(^Xen reports there are maximum ([0-9]{1,9}) leaves and ([0-9]{1,9}) MSRs$)");
const std::regex kSectionRe(R"(^(\S.*) policy: ([0-9]{1,9}) leaves, ([0-9]{1,9}) MSRs$)");
const std::regex kNotSupportedRe(R"(^(\S.*) policy not supported by Xen$)");
const std::regex kLeafRe(R"(^\s*([0-9a-fA-F]{8}):([0-9a-fA-F]{8}) -> ([0-9a-fA-F]{8}):([0-9a-fA-F]{8}):([0-9a-fA-F]{8}):([0-9a-fA-F]{8})\s*$)");
const std::regex kMsrRe(R"(^\s*([0-9a-fA-F]{8}) -> ([0-9a-fA-F]{16})\s*$)");
// The column headers, whatever their padding.
const std::regex kLeafColumnsRe(R"(^\s*leaf\s+subleaf\s+->\s+eax\s+ebx\s+ecx\s+edx\s*$)");
const std::regex kMsrColumnsRe(R"(^\s*index\s+->\s+value\s*$)");

// The system policies xen-cpuid -p prints, in its order. A file whose first
// policy is "Raw" is a whole system dump and must hold all of them (each as
// a section or as "... not supported by Xen").
const char *const kSystemPolicies[] = {"Raw", "Host", "PV Max", "HVM Max", "PV Default", "HVM Default"};

struct Section {
    std::string name;
    unsigned line = 0;
    uint64_t declared_leaves = 0, declared_msrs = 0;
    enum class Part { header, cpuid, msrs } part = Part::header;
    Leaves leaves;
    Msrs msrs;
};

class Parser {
public:
    explicit Parser(const InputText &in) : in_(in), r_(in) {}

    std::vector<NamedPolicy> run() {
        std::string_view sv;
        while (r_.next(sv)) line(std::string(sv));
        close_section();
        if (sections_.empty()) throw Error(in_.name, 0, "no \"<name> policy:\" section in xen-cpuid -p output");
        if (!names_.empty() && names_.front() == "Raw")
            for (const char *want : kSystemPolicies)
                if (std::find(names_.begin(), names_.end(), want) == names_.end())
                    throw Error(in_.name, r_.number(), std::string("the file ends without the \"") + want +
                                                           "\" policy that xen-cpuid -p always prints after \"Raw\": it is cut short");
        std::vector<NamedPolicy> out;
        for (auto &s : sections_) out.push_back(finish(s));
        // Xen derives each default policy from the max one of its kind.
        for (const char *kind : {"HVM ", "PV "}) {
            const NamedPolicy *def = find_policy(out, std::string(kind) + "Default"), *max = find_policy(out, std::string(kind) + "Max");
            if (!def || !max) continue;
            const CompareResult r = compare(def->policy, max->policy);
            if (!r.compatible())
                throw Error(in_.name, line_of(def->name), "policy " + quote_text(def->name) + " exceeds " + quote_text(max->name) + " (" +
                                                            summary(r, def->policy, max->policy) +
                                                            "); Xen derives the default from the max policy, so the file is edited or damaged");
        }
        return out;
    }

private:
    void line(const std::string &line) {
        const std::string_view t = trim(line);
        std::smatch m;
        if (t.empty()) return;
        if (std::regex_match(line, m, kReportRe)) {
            if (r_.number() != 1) r_.fail("\"Xen reports ...\" is xen-cpuid's first line, not a later one");
            max_leaves_ = std::stoull(m[1].str());
            max_msrs_ = std::stoull(m[2].str());
            return;
        }
        if (std::regex_match(line, m, kSectionRe)) {
            close_section();
            add_name(m[1].str());
            Section s;
            s.name = m[1].str();
            s.line = r_.number();
            s.declared_leaves = std::stoull(m[2].str());
            s.declared_msrs = std::stoull(m[3].str());
            if (max_leaves_ && (s.declared_leaves > *max_leaves_ || s.declared_msrs > *max_msrs_))
                r_.fail("policy " + quote_text(s.name) + " declares more leaves or MSRs than the maximum Xen reports on line 1");
            sections_.push_back(std::move(s));
            open_ = true;
            return;
        }
        if (std::regex_match(line, m, kNotSupportedRe)) {
            close_section();
            add_name(m[1].str());
            return;
        }
        Section *s = open_ ? &sections_.back() : nullptr;
        const auto part = [&](Section::Part want, const char *what) {
            if (!s) r_.fail(std::string(what) + " before any \"<name> policy:\" header");
            if (s->part != want) r_.fail(std::string(what) + " out of place in policy " + quote_text(s->name));
        };
        if (t == "CPUID:") {
            part(Section::Part::header, "\"CPUID:\"");
            s->part = Section::Part::cpuid;
        } else if (t == "MSRs:") {
            part(Section::Part::cpuid, "\"MSRs:\"");
            s->part = Section::Part::msrs;
        } else if (std::regex_match(line, kLeafColumnsRe)) {
            part(Section::Part::cpuid, "the leaf column header");
        } else if (std::regex_match(line, kMsrColumnsRe)) {
            part(Section::Part::msrs, "the MSR column header");
        } else if (std::regex_match(line, m, kLeafRe)) {
            part(Section::Part::cpuid, "CPUID line");
            const LeafKey key{hex32(m[1]), hex32(m[2])};
            const Regs regs{hex32(m[3]), hex32(m[4]), hex32(m[5]), hex32(m[6])};
            const std::string at = "leaf " + m[1].str() + ":" + m[2].str();
            if (regs == Regs{}) r_.fail(at + " is all zero; xen-cpuid never prints such a leaf");
            if (!plausible_subleaf(key.second)) r_.fail(at + ": subleaf out of range");
            if (!s->leaves.emplace(key, regs).second) r_.fail(at + " appears twice in policy " + quote_text(s->name));
            if (s->leaves.size() > s->declared_leaves)
                r_.fail("policy " + quote_text(s->name) + " lists more than the " + std::to_string(s->declared_leaves) + " leaves it declares");
        } else if (std::regex_match(line, m, kMsrRe)) {
            part(Section::Part::msrs, "MSR line");
            if (!s->msrs.emplace(hex32(m[1]), std::stoull(m[2].str(), nullptr, 16)).second)
                r_.fail("MSR " + m[1].str() + " appears twice in policy " + quote_text(s->name));
            if (s->msrs.size() > s->declared_msrs)
                r_.fail("policy " + quote_text(s->name) + " lists more than the " + std::to_string(s->declared_msrs) + " MSRs it declares");
        } else {
            r_.fail("unrecognised line in xen-cpuid -p output: " + quote_text(t));
        }
    }

    unsigned line_of(const std::string &name) const {
        for (const auto &s : sections_)
            if (s.name == name) return s.line;
        return 0;
    }

    void add_name(const std::string &name) {
        if (std::find(names_.begin(), names_.end(), name) != names_.end()) r_.fail("policy " + quote_text(name) + " appears twice");
        names_.push_back(name);
    }

    // Every MSR is printed (only all-zero leaves are skipped), so a section
    // that was cut anywhere lacks its MSR list or part of it.
    void close_section() {
        if (!open_) return;
        open_ = false;
        const Section &s = sections_.back();
        if (s.part != Section::Part::msrs)
            r_.fail("policy " + quote_text(s.name) + " (line " + std::to_string(s.line) + ") ends without its \"MSRs:\" list: the file is cut short");
        if (s.msrs.size() != s.declared_msrs)
            r_.fail("policy " + quote_text(s.name) + " (line " + std::to_string(s.line) + ") declares " + std::to_string(s.declared_msrs) +
                    " MSRs but lists " + std::to_string(s.msrs.size()) + ": the file is cut short or edited");
    }

    NamedPolicy finish(Section &s) const {
        if (s.leaves.empty()) return {s.name, {}, true};
        const auto fail = [&](const std::string &msg) -> NamedPolicy { throw Error(in_.name, s.line, "policy " + quote_text(s.name) + ": " + msg); };
        Policy p;
        try {
            p = policy_from_leaves(std::move(s.leaves), std::move(s.msrs));
        } catch (const Error &e) {
            return fail(e.message());
        }
        // Xen serialises only the leaves within the policy's own limits.
        for (const auto &[key, regs] : p.leaves)
            if (!leaf_in_range(p, key.first, key.second))
                return fail("leaf " + hex(key.first, 8) + ":" + hex(key.second, 8) + " lies beyond the policy's limits (max leaf " +
                            hex(p.max_leaf) + ", max extended leaf " + hex(p.max_extd_leaf) + ", leaf 7 subleaves " +
                            std::to_string(p.max_subleaf7) + ")");
        return {s.name, std::move(p)};
    }

    const InputText &in_;
    LineReader r_;
    std::optional<uint64_t> max_leaves_, max_msrs_;
    std::vector<Section> sections_;
    std::vector<std::string> names_;  // sections and "not supported" ones, in order
    bool open_ = false;
};

}  // namespace

bool looks_like_xen_cpuid_policy(const std::string &text) {
    return text.find(" policy: ") != std::string::npos && text.find(" leaves, ") != std::string::npos;
}

std::vector<NamedPolicy> parse_xen_cpuid_policies(const InputText &in) { return Parser(in).run(); }

const NamedPolicy *find_policy(const std::vector<NamedPolicy> &all, const std::string &name) {
    for (const auto &p : all)
        if (fold_name(p.name) == fold_name(name) && !p.empty) return &p;
    return nullptr;
}

const NamedPolicy &select_policy(const std::vector<NamedPolicy> &all, const std::string &selector, const std::string &file) {
    const std::string sel = fold_name(selector);
    if (sel == "max" || sel == "default") {
        for (const char *kind : {"hvm-", "pv-"})
            if (const NamedPolicy *p = find_policy(all, kind + sel)) return *p;
        return select_policy(all, "", file);
    }
    const std::string want = sel.empty() ? "host" : sel;
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
    throw Error(file, 0, "no policy " + quote_text(selector) + " in xen-cpuid output; it has: " + names);
}

}  // namespace cpucompat
